package message

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/rights"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

func TestSeqIsContiguousUnderConcurrentPostsFromTwoInstances(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		a := newEnv(t, db)
		b := newEnv(t, sqlstoretest.Reopen(t, db))
		g, creator := a.group()
		m := a.member(g)
		const perWorker, workers = 20, 6
		var wg sync.WaitGroup
		errc := make(chan error, perWorker*workers)
		for w := range workers {
			svc, author := a.svc, creator
			if w%2 == 1 {
				svc, author = b.svc, m
			}
			wg.Go(func() {
				for i := range perWorker {
					_, err := svc.Post(context.Background(), Submitted{GroupID: g, AuthorID: author, ClientMsgID: fmt.Sprintf("w%d-%d", w, i), Text: "hi"})
					errc <- err
				}
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatalf("post: %v", err)
			}
		}
		var all []Message
		for more := true; more; {
			p, err := a.svc.History(t.Context(), g, creator, Cursor{IsAfter: true, After: int64(len(all)), Limit: MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			all, more = append(all, p.Items...), p.HasMore
		}
		if len(all) != perWorker*workers {
			t.Fatalf("%d messages, want %d", len(all), perWorker*workers)
		}
		for i, msg := range all {
			if msg.Seq != int64(i+1) {
				t.Fatalf("message %d has seq %d: seqs must be 1, 2, 3… without gaps", i, msg.Seq)
			}
		}
		seqs, err := b.svc.LastSeqs(t.Context(), []string{g, newUUID()})
		if err != nil || seqs[g] != perWorker*workers || len(seqs) != 2 {
			t.Fatalf("LastSeqs = %v, %v", seqs, err)
		}
		if n := len(a.events(g, EventCreated)); n != perWorker*workers {
			t.Fatalf("%d message.created events, want %d", n, perWorker*workers)
		}
	})
}

func TestPostIsIdempotentOnClientMsgID(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		body := map[string]any{"clientMsgId": "c-1", "text": "hello"}
		w1 := e.do("POST", "/api/v1/groups/"+g+"/messages", u, body)
		want(t, w1, http.StatusCreated)
		w2 := e.do("POST", "/api/v1/groups/"+g+"/messages", u, body)
		want(t, w2, http.StatusCreated)
		m1, m2 := decode[Message](t, w1), decode[Message](t, w2)
		if m1.ID != m2.ID || m1.Seq != 1 || m2.Seq != 1 || m1.ClientMsgID == nil || *m1.ClientMsgID != "c-1" || m1.AuthorID != u {
			t.Fatalf("repeated post gave %+v then %+v", m1, m2)
		}
		if n := len(e.events(g, EventCreated)); n != 1 {
			t.Fatalf("%d message.created events, want 1", n)
		}
		// Another author may use the same clientMsgId.
		other := e.member(g)
		m3, err := e.svc.Post(t.Context(), Submitted{GroupID: g, AuthorID: other, ClientMsgID: "c-1", Text: "x"})
		if err != nil || m3.Seq != 2 {
			t.Fatalf("other author's post: %+v, %v", m3, err)
		}
	})
}

func submitted(t *testing.T, s Submitted) event.Event {
	t.Helper()
	ev, err := event.New(EventSubmitted, s.GroupID, s)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestSequencerStoresOnceUnderRedeliveryAndRejectsRefusals(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		ev := submitted(t, Submitted{GroupID: g, AuthorID: u, ClientMsgID: "k", Text: "once"})
		for range 3 {
			if err := e.svc.HandleSubmitted(t.Context(), ev); err != nil {
				t.Fatalf("handle: %v", err)
			}
		}
		if n := len(e.events(g, EventCreated)); n != 1 {
			t.Fatalf("%d message.created after redelivery, want 1", n)
		}
		if seqs, _ := e.svc.LastSeqs(t.Context(), []string{g}); seqs[g] != 1 {
			t.Fatalf("last seq %d, want 1", seqs[g])
		}

		stranger := newUUID()
		cases := map[string]Submitted{
			"non-member":     {GroupID: g, AuthorID: stranger, ClientMsgID: "s", Text: "let me in"},
			"text too long":  {GroupID: g, AuthorID: u, ClientMsgID: "long", Text: strings.Repeat("é", MaxTextLen+1)},
			"empty":          {GroupID: g, AuthorID: u, ClientMsgID: "empty", Text: ""},
			"no client id":   {GroupID: g, AuthorID: u, Text: "x"},
			"too many files": {GroupID: g, AuthorID: u, ClientMsgID: "many", Text: "x", Attachments: make([]AttachmentRef, MaxAttachments+1)},
			"unknown file":   {GroupID: g, AuthorID: u, ClientMsgID: "file", Text: "x", Attachments: []AttachmentRef{{Key: "groups/" + g + "/nope"}}},
		}
		for name, s := range cases {
			ev := submitted(t, s)
			ev.OccurredAt = ev.OccurredAt.Add(-time.Minute) // past the membership grace
			if err := e.svc.HandleSubmitted(t.Context(), ev); err != nil {
				t.Fatalf("%s: a refusal must be acknowledged, got %v", name, err)
			}
		}
		rej := e.events(g, EventRejected)
		if len(rej) != len(cases) {
			t.Fatalf("%d message.rejected, want %d", len(rej), len(cases))
		}
		var r Rejected
		if err := rej[0].Decode(&r); err != nil {
			t.Fatal(err)
		}
		if r.GroupID != g || r.Error.Code == "" || r.UserID == "" {
			t.Fatalf("rejection %+v", r)
		}
		if seqs, _ := e.svc.LastSeqs(t.Context(), []string{g}); seqs[g] != 1 {
			t.Fatalf("refusals moved the seq to %d", seqs[g])
		}
		// A payload that cannot decode is permanent; other types are ignored.
		bad := event.Event{ID: newUUID(), Type: EventSubmitted, Key: g, Payload: []byte(`[`)}
		if err := e.svc.HandleSubmitted(t.Context(), bad); !event.IsPermanent(err) {
			t.Fatalf("undecodable payload: %v, want permanent", err)
		}
	})
}

func TestAuthorComesOnlyFromAuthentication(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, creator := e.group()
		mallory := e.member(g)
		w := e.do("POST", "/api/v1/groups/"+g+"/messages", mallory, map[string]any{"clientMsgId": "x", "text": "hi", "authorId": creator})
		want(t, w, http.StatusBadRequest)
		w = e.do("POST", "/api/v1/groups/"+g+"/messages", mallory, map[string]any{"clientMsgId": "x", "text": "hi"})
		want(t, w, http.StatusCreated)
		if m := decode[Message](t, w); m.AuthorID != mallory {
			t.Fatalf("author %s, want the caller %s", m.AuthorID, mallory)
		}
	})
}

func TestNonMembersAndRemovedMembersCanNeitherReadNorSend(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, creator := e.group()
		bob := e.member(g)
		e.post(g, creator, "first")
		stranger := newUUID()
		for _, uid := range []string{stranger, bob} {
			if uid == bob {
				ev := groupEvent(t, groupevent.TypeMemberRemoved, g, groupevent.MemberRemoved{GroupID: g, UserID: bob})
				for range 2 { // redelivered
					if err := e.svc.HandleGroupEvent(t.Context(), ev); err != nil {
						t.Fatal(err)
					}
				}
			}
			want(t, e.do("GET", "/api/v1/groups/"+g+"/messages", uid, nil), http.StatusNotFound)
			want(t, e.do("POST", "/api/v1/groups/"+g+"/messages", uid, map[string]any{"clientMsgId": "z", "text": "hi"}), http.StatusNotFound)
			want(t, e.do("POST", "/api/v1/groups/"+g+"/uploads", uid, map[string]any{"files": []FileSpec{{Name: "a", Size: 1, ContentType: "text/plain"}}}), http.StatusNotFound)
			_, err := e.svc.Post(t.Context(), Submitted{GroupID: g, AuthorID: uid, ClientMsgID: "q", Text: "x"})
			if !errs.Is(err, errs.NotFound) {
				t.Fatalf("post by non-member: %v", err)
			}
		}
		want(t, e.do("GET", "/api/v1/groups/"+g+"/messages", "", nil), http.StatusUnauthorized)
	})
}

func TestAttachmentsMustBeTheAuthorsUploadsForTheGroup(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, ada := e.group()
		bob := e.member(g)
		g2, _ := e.group()
		e.join(g2, ada, rights.RoleMember, rights.Rights{})

		content := []byte("hello, file")
		tk := e.upload(g, ada, "notes.txt", "text/plain", content)
		if !strings.HasPrefix(tk.Key, "groups/"+g+"/") || tk.Method != "PUT" || tk.Headers["Content-Type"] != "text/plain" {
			t.Fatalf("ticket %+v", tk)
		}
		// Another author may not attach ada's upload; nor may ada in another group.
		for _, s := range []Submitted{
			{GroupID: g, AuthorID: bob, ClientMsgID: "b", Attachments: []AttachmentRef{{Key: tk.Key}}},
			{GroupID: g2, AuthorID: ada, ClientMsgID: "g2", Attachments: []AttachmentRef{{Key: tk.Key}}},
		} {
			if _, err := e.svc.Post(t.Context(), s); !errs.Is(err, errs.Invalid) {
				t.Fatalf("foreign attachment %+v: %v, want invalid", s, err)
			}
		}
		// An issued key whose bytes never arrived is refused.
		w := e.do("POST", "/api/v1/groups/"+g+"/uploads", ada, map[string]any{"files": []FileSpec{{Name: "b.bin", Size: 5, ContentType: "application/octet-stream"}}})
		want(t, w, http.StatusCreated)
		missing := decode[httpapi.Items[UploadTicket]](t, w).Items[0]
		if _, err := e.svc.Post(t.Context(), Submitted{GroupID: g, AuthorID: ada, ClientMsgID: "m", Attachments: []AttachmentRef{{Key: missing.Key}}}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("missing object: %v, want invalid", err)
		}
		// The upload URL takes exactly the declared size.
		e.put(missing, []byte("toolong"), http.StatusForbidden)

		w = e.do("POST", "/api/v1/groups/"+g+"/messages", ada, map[string]any{"clientMsgId": "ok", "text": "", "attachments": []AttachmentRef{{Key: tk.Key}}})
		want(t, w, http.StatusCreated)
		m := decode[Message](t, w)
		wantAtt := []Attachment{{Key: tk.Key, Name: "notes.txt", Size: int64(len(content)), ContentType: "text/plain"}}
		if !slices.Equal(m.Attachments, wantAtt) {
			t.Fatalf("attachments %+v, want %+v", m.Attachments, wantAtt)
		}
		// Used once only.
		if _, err := e.svc.Post(t.Context(), Submitted{GroupID: g, AuthorID: ada, ClientMsgID: "again", Attachments: []AttachmentRef{{Key: tk.Key}}}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("reused attachment: %v, want invalid", err)
		}

		// Downloads: members of the group get a working URL with the name.
		w = e.do("POST", "/api/v1/groups/"+g+"/attachments/urls", bob, map[string]any{"keys": []string{tk.Key}})
		want(t, w, http.StatusOK)
		urls := decode[httpapi.Items[DownloadURL]](t, w).Items
		if len(urls) != 1 || urls[0].Key != tk.Key {
			t.Fatalf("urls %+v", urls)
		}
		if code, body := get(t, urls[0].URL); code != http.StatusOK || string(body) != string(content) {
			t.Fatalf("download: %d %q", code, body)
		}
		// The key asked through another group, an unattached key, or a
		// non-member: 404 for the whole request.
		want(t, e.do("POST", "/api/v1/groups/"+g2+"/attachments/urls", ada, map[string]any{"keys": []string{tk.Key}}), http.StatusNotFound)
		want(t, e.do("POST", "/api/v1/groups/"+g+"/attachments/urls", ada, map[string]any{"keys": []string{tk.Key, missing.Key}}), http.StatusNotFound)
		want(t, e.do("POST", "/api/v1/groups/"+g+"/attachments/urls", newUUID(), map[string]any{"keys": []string{tk.Key}}), http.StatusNotFound)
		// Hidden by the caller: no URL for them.
		want(t, e.do("POST", "/api/v1/groups/"+g+"/messages/"+m.ID+"/hide", bob, nil), http.StatusNoContent)
		want(t, e.do("POST", "/api/v1/groups/"+g+"/attachments/urls", bob, map[string]any{"keys": []string{tk.Key}}), http.StatusNotFound)

		// Deleting the message removes its file from storage.
		want(t, e.do("DELETE", "/api/v1/groups/"+g+"/messages/"+m.ID, ada, nil), http.StatusNoContent)
		if _, err := e.blob.Stat(t.Context(), tk.Key); !errs.Is(err, errs.NotFound) {
			t.Fatalf("blob after delete: %v, want not found", err)
		}
		want(t, e.do("POST", "/api/v1/groups/"+g+"/attachments/urls", ada, map[string]any{"keys": []string{tk.Key}}), http.StatusNotFound)
	})
}

func TestUploadsCheckLimits(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		path := "/api/v1/groups/" + g + "/uploads"
		files := func(fs ...FileSpec) map[string]any { return map[string]any{"files": fs} }
		ok := FileSpec{Name: "a.png", Size: 10, ContentType: "image/png"}
		w := e.do("POST", path, u, files(ok, FileSpec{Name: "b.txt", Size: 3, ContentType: "text/plain"}))
		want(t, w, http.StatusCreated)
		ts := decode[httpapi.Items[UploadTicket]](t, w).Items
		if len(ts) != 2 || ts[0].Name != "a.png" || ts[1].Name != "b.txt" || ts[0].Key == ts[1].Key || ts[0].ExpiresAt.IsZero() {
			t.Fatalf("tickets %+v", ts)
		}
		want(t, e.do("POST", path, u, files(FileSpec{Name: "big", Size: testMaxUpload + 1, ContentType: "image/png"})), http.StatusRequestEntityTooLarge)
		many := make([]FileSpec, MaxFilesPerUpload+1)
		for i := range many {
			many[i] = ok
		}
		for name, body := range map[string]any{
			"too many":        files(many...),
			"none":            files(),
			"empty name":      files(FileSpec{Size: 1, ContentType: "text/plain"}),
			"control in name": files(FileSpec{Name: "a\nb", Size: 1, ContentType: "text/plain"}),
			"zero size":       files(FileSpec{Name: "a", Size: 0, ContentType: "text/plain"}),
			"negative size":   files(FileSpec{Name: "a", Size: -1, ContentType: "text/plain"}),
			"bad type":        files(FileSpec{Name: "a", Size: 1, ContentType: "not a type"}),
			"not json":        "{",
		} {
			w := e.do("POST", path, u, body)
			if w.Code != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400: %s", name, w.Code, w.Body.String())
			}
		}
	})
}

func TestConcurrentDuplicatesStoreOneMessage(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		a := newEnv(t, db)
		b := newEnv(t, sqlstoretest.Reopen(t, db))
		g, u := a.group()
		in := Submitted{GroupID: g, AuthorID: u, ClientMsgID: "dup", Text: "once"}
		ids := make([]string, 8)
		var wg sync.WaitGroup
		for i := range ids {
			svc := a.svc
			if i%2 == 1 {
				svc = b.svc
			}
			wg.Go(func() {
				m, err := svc.Post(context.Background(), in)
				if err != nil {
					t.Errorf("post: %v", err)
				}
				ids[i] = m.ID
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("duplicates got different messages: %v", ids)
			}
		}
		if n := len(a.events(g, EventCreated)); n != 1 {
			t.Fatalf("%d message.created, want 1", n)
		}
	})
}

func TestSweepRemovesOnlyStaleUnattachedUploads(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, u := e.group()
		used := e.upload(g, u, "a.txt", "text/plain", []byte("a"))
		stale := e.upload(g, u, "b.txt", "text/plain", []byte("b"))
		if _, err := e.svc.Post(t.Context(), Submitted{GroupID: g, AuthorID: u, ClientMsgID: "x", Attachments: []AttachmentRef{{Key: used.Key}}}); err != nil {
			t.Fatal(err)
		}
		if n, err := e.svc.SweepUploads(t.Context(), time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("sweep of fresh uploads removed %d (%v)", n, err)
		}
		n, err := e.svc.SweepUploads(t.Context(), time.Now().Add(time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("sweep removed %d (%v), want 1", n, err)
		}
		if _, err := e.blob.Stat(t.Context(), stale.Key); !errs.Is(err, errs.NotFound) {
			t.Fatalf("stale blob: %v", err)
		}
		if _, err := e.blob.Stat(t.Context(), used.Key); err != nil {
			t.Fatalf("attached blob: %v", err)
		}
		if _, err := e.svc.Post(t.Context(), Submitted{GroupID: g, AuthorID: u, ClientMsgID: "y", Attachments: []AttachmentRef{{Key: stale.Key}}}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("swept key still attachable: %v", err)
		}
	})
}

func TestSequencerRetriesAFreshSubmissionOfANotYetProjectedMember(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		g, _ := e.group()
		newcomer := newUUID()
		ev := submitted(t, Submitted{GroupID: g, AuthorID: newcomer, ClientMsgID: "hi", Text: "hello"})
		err := e.svc.HandleSubmitted(t.Context(), ev)
		if err == nil || event.IsPermanent(err) {
			t.Fatalf("fresh submission of an unknown member: %v, want a retryable error", err)
		}
		if n := len(e.events(g, EventRejected)); n != 0 {
			t.Fatalf("%d rejections during the grace period", n)
		}
		e.join(g, newcomer, rights.RoleMember, rights.Rights{})
		if err := e.svc.HandleSubmitted(t.Context(), ev); err != nil {
			t.Fatalf("retry after the projection caught up: %v", err)
		}
		if n := len(e.events(g, EventCreated)); n != 1 {
			t.Fatalf("%d message.created, want 1", n)
		}
	})
}
