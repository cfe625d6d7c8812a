package message

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

// flakyBlob is a blob store whose Stat and DeletePrefix fail while down.
type flakyBlob struct {
	blob.Store
	down atomic.Bool
}

func (f *flakyBlob) Stat(ctx context.Context, key string) (blob.Info, error) {
	if f.down.Load() {
		return blob.Info{}, errs.E(errs.Unavailable, "storage is down")
	}
	return f.Store.Stat(ctx, key)
}

func (f *flakyBlob) DeletePrefix(ctx context.Context, prefix string) error {
	if f.down.Load() {
		return errs.E(errs.Unavailable, "storage is down")
	}
	return f.Store.DeletePrefix(ctx, prefix)
}

func TestStorageOutagesAreRetriedNotRejected(t *testing.T) {
	t.Parallel()
	db := sqlstoretest.SQLite(t)
	if err := Migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db)
	flaky := &flakyBlob{Store: e.blob}
	svc, err := NewService(Config{DB: db, Blob: flaky})
	if err != nil {
		t.Fatal(err)
	}
	g, u := e.group()
	tk := e.upload(g, u, "a.txt", "text/plain", []byte("abc"))

	flaky.down.Store(true)
	ev := submitted(t, Submitted{GroupID: g, AuthorID: u, ClientMsgID: "f", Attachments: []AttachmentRef{{Key: tk.Key}}})
	if err := svc.HandleSubmitted(t.Context(), ev); err == nil || refusal(err) {
		t.Fatalf("storage outage: %v, want a transient error for the bus to retry", err)
	}
	if n := len(e.events(g, EventRejected)); n != 0 {
		t.Fatalf("an outage produced %d rejections", n)
	}
	del := groupEvent(t, groupevent.TypeDeleted, g, groupevent.GroupDeleted{GroupID: g})
	if err := svc.HandleGroupEvent(t.Context(), del); err == nil {
		t.Fatal("group deletion with storage down reported success")
	}

	flaky.down.Store(false)
	if err := svc.HandleGroupEvent(t.Context(), del); err != nil {
		t.Fatalf("retried group deletion: %v", err)
	}
	if _, err := e.blob.Stat(t.Context(), tk.Key); !errs.Is(err, errs.NotFound) {
		t.Fatalf("blob after the retried deletion: %v", err)
	}
}
