package message

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/sqlstore"
)

// failingDeletes is a blob store whose Delete fails, as storage that is
// down does.
type failingDeletes struct{ blob.Store }

func (failingDeletes) Delete(context.Context, string) error { return errors.New("storage down") }

// TestADeletedMessagesFilesDoNotOutliveIt covers issue 12 defect 7 and the
// suspected leak of attachments deleted with the request's context:
//   - a client that hangs up right after its delete does not leave the
//     files behind (the delete does not use the request's context);
//   - a file re-created through its upload URL after the message was
//     deleted (the URL lives on for URLTTL), or left by a delete that
//     failed, is removed by the sweep once the URL has expired.
func TestADeletedMessagesFilesDoNotOutliveIt(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		send := func(cid string, tk UploadTicket) Message {
			m, err := e.svc.Post(t.Context(), Submitted{GroupID: g, AuthorID: u, ClientMsgID: cid, Attachments: []AttachmentRef{{Key: tk.Key}}})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}

		// The request's context ends right after the commit.
		tk := e.upload(g, u, "a.txt", "text/plain", []byte("first"))
		m := send("a", tk)
		ctx, hangUp := context.WithCancel(t.Context())
		e.svc.notify = hangUp
		if err := e.svc.Delete(ctx, g, m.ID, u); err != nil {
			t.Fatal(err)
		}
		e.svc.notify = func() {}
		if _, err := e.blob.Stat(t.Context(), tk.Key); !errs.Is(err, errs.NotFound) {
			t.Fatalf("the file outlived a delete whose client hung up: %v", err)
		}
		// Its still valid upload URL re-creates it; the sweep removes it
		// once the URL has expired.
		e.put(tk, []byte("again"), http.StatusOK)

		// Storage fails when the second message is deleted.
		tk2 := e.upload(g, u, "b.txt", "text/plain", []byte("second"))
		m2 := send("b", tk2)
		e.svc.blob = failingDeletes{e.blob}
		if err := e.svc.Delete(t.Context(), g, m2.ID, u); err != nil {
			t.Fatal(err)
		}
		e.svc.blob = e.blob

		if _, err := e.svc.SweepUploads(t.Context(), time.Now().Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{tk.Key, tk2.Key} {
			if _, err := e.blob.Stat(t.Context(), k); err != nil {
				t.Fatalf("swept %s before its upload URL expired: %v", k, err)
			}
		}
		later := time.Now().Add(URLTTL + 2*time.Minute)
		e.svc.now = func() time.Time { return later }
		if _, err := e.svc.SweepUploads(t.Context(), later.Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{tk.Key, tk2.Key} {
			if _, err := e.blob.Stat(t.Context(), k); !errs.Is(err, errs.NotFound) {
				t.Fatalf("%s outlived its deleted message: %v", k, err)
			}
		}
		var left int
		if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM message_uploads").Scan(&left); err != nil || left != 0 {
			t.Fatalf("%d upload rows left after the sweep (%v)", left, err)
		}
	})
}
