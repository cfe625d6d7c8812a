package message

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

// BenchmarkHugeGroupHistory fills one group with 1,000,000 messages
// (multi-row INSERTs, 50,000 rows per transaction) on SQLite and on
// MariaDB and reads pages of 50 as a member does (History: reply join,
// hidden marks, reactions) at the end (the newest page), in the middle
// and at the start, reporting p50 and p99 of each. The fill takes a
// minute or two; run it alone:
//
//	go test -run '^$' -bench HugeGroupHistory -benchtime 1x -timeout 30m ./internal/message
func BenchmarkHugeGroupHistory(b *testing.B) {
	const total, reads = 1_000_000, 300
	for _, dialect := range []string{"sqlite", "mysql"} {
		b.Run(dialect, func(b *testing.B) {
			ctx := context.Background()
			db := sqlstoretest.SQLite(b)
			if dialect == "mysql" {
				db = sqlstoretest.MySQL(b)
			}
			svc := benchService(b, db, nil)
			g, reader := newUUID(), newUUID()
			if err := svc.putMember(ctx, g, groupevent.Member{UserID: reader, Role: rights.RoleMember}); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			fill(b, db, g, []string{reader, newUUID(), newUUID()}, total)
			b.Logf("%s: %d messages stored in %s", dialect, total, time.Since(start).Round(time.Second))
			for b.Loop() {
				for _, at := range []struct {
					name string
					c    Cursor
				}{
					{"end", Cursor{Limit: 50}},
					{"middle", Cursor{Before: total / 2, Limit: 50}},
					{"start", Cursor{Before: 51, Limit: 50}},
				} {
					lat := make([]time.Duration, reads)
					for i := range lat {
						t0 := time.Now()
						p, err := svc.History(ctx, g, reader, at.c)
						lat[i] = time.Since(t0)
						if err != nil || len(p.Items) != 50 {
							b.Fatalf("%s: %d items, %v", at.name, len(p.Items), err)
						}
					}
					slices.Sort(lat)
					b.ReportMetric(float64(lat[reads/2].Microseconds())/1000, at.name+"-p50-ms")
					b.ReportMetric(float64(lat[reads*99/100].Microseconds())/1000, at.name+"-p99-ms")
				}
			}
		})
	}
}

// fill stores n messages of group g by authors in turn, seqs 1…n, with
// multi-row INSERTs in large transactions, and sets the group's sequence.
func fill(b *testing.B, db *sqlstore.DB, g string, authors []string, n int) {
	b.Helper()
	ctx := context.Background()
	const perInsert, perTx = 500, 50_000
	row := "(?, ?, ?, ?, ?, ?, ?, ?)"
	stmt := "INSERT INTO messages (id, group_id, seq, author_id, text, attachments, created_at, client_msg_id) VALUES " +
		strings.TrimSuffix(strings.Repeat(row+",", perInsert), ",")
	now := sqlstore.Now()
	for txStart := 0; txStart < n; txStart += perTx {
		err := sqlstore.InTx(ctx, db, func(tx *sql.Tx) error {
			args := make([]any, 0, 8*perInsert)
			for i := txStart; i < min(txStart+perTx, n); i += perInsert {
				args = args[:0]
				for seq := i + 1; seq <= i+perInsert; seq++ {
					args = append(args, newUUID(), g, seq, authors[seq%len(authors)],
						fmt.Sprintf("message %d of a very busy group, with a little text", seq), "[]", now, fmt.Sprint("c", seq))
				}
				if _, err := tx.ExecContext(ctx, stmt, args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("fill: %v", err)
		}
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO message_sequences (group_id, last_seq) VALUES (?, ?)", g, n); err != nil {
		b.Fatal(err)
	}
}
