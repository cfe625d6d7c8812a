package message

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

// BenchmarkReadState answers GET /api/v1/read-state (UserReadState) for a
// user in 500 groups of 40 messages each on SQLite: in half of them the
// user has read everything, in the other half the last 20 are unread, a
// quarter of them mentioning the user. It costs two queries per 500
// groups (cursors and last seqs, then one count over the unread ranges).
func BenchmarkReadState(b *testing.B) {
	ctx := context.Background()
	db := sqlstoretest.SQLite(b)
	svc := benchService(b, db, nil)
	reader, author := newUUID(), newUUID()
	const groups, perGroup = 500, 40
	for i := range groups {
		g := newUUID()
		for _, u := range []string{reader, author} {
			if err := svc.putMember(ctx, g, groupevent.Member{UserID: u, Role: rights.RoleMember}); err != nil {
				b.Fatal(err)
			}
		}
		for j := range perGroup {
			in := Submitted{GroupID: g, AuthorID: author, ClientMsgID: fmt.Sprint(j), Text: "hello"}
			if j%4 == 0 {
				in.Mentions = []string{reader}
			}
			if _, err := svc.Post(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
		read := int64(perGroup)
		if i%2 == 1 {
			read = perGroup - 20
		}
		if _, err := svc.MarkRead(ctx, g, reader, read); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sts, err := svc.UserReadState(ctx, reader)
		if err != nil || len(sts) != groups {
			b.Fatalf("%d states, %v", len(sts), err)
		}
	}
}
