package message

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

// BenchmarkHistory reads the newest page (50) of a group on SQLite, plain
// and with issue 13's extras: every message a reply, with mentions, and
// three reactions of two emoji each. The extras cost one join and one
// query per page, not a query per message.
func BenchmarkHistory(b *testing.B) {
	for _, extras := range []bool{false, true} {
		b.Run(fmt.Sprintf("extras=%v", extras), func(b *testing.B) {
			ctx := context.Background()
			db := sqlstoretest.SQLite(b)
			svc := benchService(b, db, nil)
			g, users := newUUID(), []string{newUUID(), newUUID(), newUUID()}
			for _, u := range users {
				if err := svc.putMember(ctx, g, groupevent.Member{UserID: u, Role: rights.RoleMember}); err != nil {
					b.Fatal(err)
				}
			}
			prev := ""
			for i := range 200 {
				in := Submitted{GroupID: g, AuthorID: users[i%3], ClientMsgID: fmt.Sprint(i), Text: fmt.Sprintf("message %d with some text to quote", i)}
				if extras {
					in.ReplyToID, in.Mentions = prev, users[:2]
				}
				m, err := svc.Post(ctx, in)
				if err != nil {
					b.Fatal(err)
				}
				prev = m.ID
				if extras {
					for j, u := range users {
						if err := svc.React(ctx, g, m.ID, u, []string{"👍", "🎉"}[j%2], true); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				p, err := svc.History(ctx, g, users[0], Cursor{Limit: 50})
				if err != nil || len(p.Items) != 50 {
					b.Fatalf("%d items, %v", len(p.Items), err)
				}
			}
		})
	}
}
