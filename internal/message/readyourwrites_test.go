package message

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
)

// fakeMembers is a hand-written group role: the memberships it knows, an
// error to answer instead, and how often it was asked.
type fakeMembers struct {
	mu    sync.Mutex
	ms    map[[2]string]rights.Membership
	err   error
	asked int
}

func (f *fakeMembers) Member(_ context.Context, groupID, userID string) (rights.Membership, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked++
	if f.err != nil {
		return rights.Membership{}, f.err
	}
	m, ok := f.ms[[2]string{groupID, userID}]
	if !ok {
		return rights.Membership{}, errs.E(errs.NotFound, "no such member")
	}
	return m, nil
}

// add makes userID a member of groupID in the group role only.
func (f *fakeMembers) add(groupID, userID string, role rights.Role) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := rights.Rights{}
	if role != rights.RoleMember {
		r = rights.All
	}
	f.ms[[2]string{groupID, userID}] = rights.Membership{GroupID: groupID, UserID: userID, Role: role, Rights: r}
}

func (f *fakeMembers) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asked
}

// projected reports whether the projection holds userID in groupID.
func (e *env) projected(groupID, userID string) bool {
	e.t.Helper()
	_, err := e.svc.store.member(context.Background(), e.db, groupID, userID)
	if err != nil && !isNoGroup(err) {
		e.t.Fatal(err)
	}
	return err == nil
}

// TestReadYourWrites checks that the role asks the group role for a
// membership its projection has not seen yet instead of failing, and that
// what the projection knows better (a removal, a deleted group) wins.
func TestReadYourWrites(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		withMembers := func(t *testing.T) (*env, *fakeMembers) {
			e := newEnv(t, db)
			f := &fakeMembers{ms: map[[2]string]rights.Membership{}}
			e.svc.members = f
			return e, f
		}

		t.Run("a member only the group role knows reads, posts, uploads, hides and deletes at once", func(t *testing.T) {
			t.Parallel()
			e, f := withMembers(t)
			gid, ada := newUUID(), newUUID()
			f.add(gid, ada, rights.RoleCreator)
			want(t, e.do("GET", "/api/v1/groups/"+gid+"/messages", ada, nil), http.StatusOK)
			if !e.projected(gid, ada) || f.count() != 1 {
				t.Fatalf("projected %v after %d questions", e.projected(gid, ada), f.count())
			}
			bob := newUUID()
			f.add(gid, bob, rights.RoleMember)
			m, err := e.svc.Post(t.Context(), Submitted{GroupID: gid, AuthorID: bob, ClientMsgID: "c1", Text: "hi"})
			if err != nil || m.Seq != 1 {
				t.Fatalf("post %+v (%v)", m, err)
			}
			cyd := newUUID()
			f.add(gid, cyd, rights.RoleMember)
			want(t, e.do("POST", "/api/v1/groups/"+gid+"/messages/"+m.ID+"/hide", cyd, nil), http.StatusNoContent)
			dan := newUUID()
			f.add(gid, dan, rights.RoleMember)
			want(t, e.do("POST", "/api/v1/groups/"+gid+"/uploads", dan, map[string]any{"files": []map[string]any{{"name": "a.txt", "size": 3, "contentType": "text/plain"}}}), http.StatusCreated)
			eve := newUUID()
			f.add(gid, eve, rights.RoleAdmin)
			want(t, e.do("DELETE", "/api/v1/groups/"+gid+"/messages/"+m.ID, eve, nil), http.StatusNoContent)
			// Every one of them is in the projection now: nobody is asked again.
			before := f.count()
			for _, u := range []string{ada, bob, cyd, dan, eve} {
				if !e.projected(gid, u) {
					t.Fatalf("%s not projected", u)
				}
				want(t, e.do("GET", "/api/v1/groups/"+gid+"/messages", u, nil), http.StatusOK)
			}
			if f.count() != before {
				t.Fatalf("asked %d more times for projected members", f.count()-before)
			}
		})

		t.Run("the sequencer takes a submission of a member only the group role knows", func(t *testing.T) {
			t.Parallel()
			e, f := withMembers(t)
			gid, ada := newUUID(), newUUID()
			f.add(gid, ada, rights.RoleCreator)
			ev := groupEvent(t, EventSubmitted, gid, Submitted{GroupID: gid, AuthorID: ada, ClientMsgID: "c1", Text: "hello"})
			if err := e.svc.HandleSubmitted(t.Context(), ev); err != nil {
				t.Fatal(err)
			}
			if n := len(e.events(gid, EventCreated)); n != 1 {
				t.Fatalf("%d message.created, want 1", n)
			}
		})

		t.Run("a non-member gets not_found at once and changes nothing", func(t *testing.T) {
			t.Parallel()
			e, f := withMembers(t)
			gid, _ := e.group()
			stranger := newUUID()
			w := e.do("GET", "/api/v1/groups/"+gid+"/messages", stranger, nil)
			want(t, w, http.StatusNotFound)
			ev := groupEvent(t, EventSubmitted, gid, Submitted{GroupID: gid, AuthorID: stranger, ClientMsgID: "c1", Text: "hello"})
			if err := e.svc.HandleSubmitted(t.Context(), ev); err != nil {
				t.Fatalf("a fresh submission of a non-member was retried (%v), not rejected", err)
			}
			if n := len(e.events(gid, EventRejected)); n != 1 || e.projected(gid, stranger) || f.count() != 2 {
				t.Fatalf("%d rejections, projected %v, asked %d times", n, e.projected(gid, stranger), f.count())
			}
		})

		t.Run("a removal the projection applied is not undone by an older answer", func(t *testing.T) {
			t.Parallel()
			e, f := withMembers(t)
			gid, _ := e.group()
			bob := e.member(gid)
			f.add(gid, bob, rights.RoleMember) // the answer predates the removal
			rm := groupEvent(t, groupevent.TypeMemberRemoved, gid, groupevent.MemberRemoved{GroupID: gid, UserID: bob})
			if err := e.svc.HandleGroupEvent(t.Context(), rm); err != nil {
				t.Fatal(err)
			}
			want(t, e.do("GET", "/api/v1/groups/"+gid+"/messages", bob, nil), http.StatusOK)
			if e.projected(gid, bob) {
				t.Fatal("the removed member was written back into the projection")
			}
			// Added back: the event brings the member in, and the next
			// removal is remembered again.
			e.join(gid, bob, rights.RoleMember, rights.Rights{})
			if !e.projected(gid, bob) {
				t.Fatal("member_added after a removal was not applied")
			}
		})

		t.Run("a group the projection saw deleted stays deleted", func(t *testing.T) {
			t.Parallel()
			e, f := withMembers(t)
			gid, ada := e.group()
			del := groupEvent(t, groupevent.TypeDeleted, gid, groupevent.GroupDeleted{GroupID: gid, MemberIDs: []string{ada}})
			if err := e.svc.HandleGroupEvent(t.Context(), del); err != nil {
				t.Fatal(err)
			}
			f.add(gid, ada, rights.RoleCreator)
			want(t, e.do("GET", "/api/v1/groups/"+gid+"/messages", ada, nil), http.StatusNotFound)
			if _, err := e.svc.Post(t.Context(), Submitted{GroupID: gid, AuthorID: ada, ClientMsgID: "c1", Text: "x"}); !errs.Is(err, errs.NotFound) {
				t.Fatalf("post into a deleted group: %v", err)
			}
			if e.projected(gid, ada) {
				t.Fatal("a deleted group's member came back")
			}
		})

		t.Run("when the group role cannot answer the request fails and nothing is stored", func(t *testing.T) {
			t.Parallel()
			e, f := withMembers(t)
			f.err = errs.E(errs.Unavailable, "group role down")
			gid, ada := newUUID(), newUUID()
			want(t, e.do("GET", "/api/v1/groups/"+gid+"/messages", ada, nil), http.StatusServiceUnavailable)
			ev := groupEvent(t, EventSubmitted, gid, Submitted{GroupID: gid, AuthorID: ada, ClientMsgID: "c1", Text: "x"})
			if err := e.svc.HandleSubmitted(t.Context(), ev); err == nil || errs.Is(err, errs.NotFound) {
				t.Fatalf("submission while the group role is down: %v, want a transient error (retried)", err)
			}
			if len(e.events(gid, EventCreated))+len(e.events(gid, EventRejected)) != 0 || e.projected(gid, ada) {
				t.Fatal("something was stored while the group role was down")
			}
		})
	})
}
