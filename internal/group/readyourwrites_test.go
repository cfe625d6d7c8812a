package group

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/user"
)

// fakeUsers is a hand-written user role: the users it knows, an error to
// answer instead, and how often it was asked.
type fakeUsers struct {
	mu    sync.Mutex
	users map[string]user.User
	err   error
	asked int
}

func (f *fakeUsers) Get(_ context.Context, id string) (user.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked++
	if f.err != nil {
		return user.User{}, f.err
	}
	u, ok := f.users[id]
	if !ok {
		return user.User{}, errs.E(errs.NotFound, "no such user")
	}
	return u, nil
}

func (f *fakeUsers) add(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := newUUID()
	f.users[id] = user.User{ID: id, Username: name}
	return id
}

func (f *fakeUsers) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asked
}

// TestReadYourWrites checks that the group role asks the user role for a
// user its projection has not seen yet, instead of failing the request.
func TestReadYourWrites(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		withUsers := func(t *testing.T) (*env, *fakeUsers) {
			e := newEnv(t, db)
			f := &fakeUsers{users: map[string]user.User{}}
			e.svc.users = f
			return e, f
		}

		t.Run("a user who has just verified creates a group at once", func(t *testing.T) {
			t.Parallel()
			e, f := withUsers(t)
			ada := f.add(uniq("ada"))
			g := e.createGroup(ada, "Fresh")
			if g.Me.UserID != ada || g.Me.Role != RoleCreator {
				t.Fatalf("group %+v", g)
			}
			// The projection now knows ada; her next request asks nobody.
			before := f.count()
			e.createGroup(ada, "Second")
			if f.count() != before {
				t.Fatalf("the user role was asked again for a known user")
			}
		})

		t.Run("the verified event still applies after a fill, and later ones win", func(t *testing.T) {
			t.Parallel()
			e, f := withUsers(t)
			ada := f.add("ada")
			e.createGroup(ada, "G")
			pic := "/api/v1/users/" + ada + "/picture?v=2"
			if err := e.svc.HandleUserEvent(t.Context(), userEvent(t, user.EventVerified, ada, "ada", nil, time.Now().Add(-time.Minute))); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.HandleUserEvent(t.Context(), userEvent(t, user.EventUpdated, ada, "ada2", &pic, time.Now())); err != nil {
				t.Fatal(err)
			}
			u, err := e.svc.store.user(t.Context(), db, ada)
			if err != nil || u.Username != "ada2" || u.PictureURL == nil || *u.PictureURL != pic {
				t.Fatalf("user %+v (%v)", u, err)
			}
		})

		t.Run("an invitee only the user role knows can be invited", func(t *testing.T) {
			t.Parallel()
			e, f := withUsers(t)
			ada, bob := e.user(uniq("ada")), f.add(uniq("bob"))
			g := e.createGroup(ada, "G")
			inv := decodeAs[Invite](t, wantStatus(t, e.do("POST", "/api/v1/groups/"+g.ID+"/invites", ada, map[string]string{"userId": bob}), http.StatusCreated))
			if inv.Invitee.ID != bob {
				t.Fatalf("invite %+v", inv)
			}
		})

		t.Run("a user unknown to the user role stays unknown", func(t *testing.T) {
			t.Parallel()
			e, _ := withUsers(t)
			ada := e.user(uniq("ada"))
			g := e.createGroup(ada, "G")
			b := wantStatus(t, e.do("POST", "/api/v1/groups/"+g.ID+"/invites", ada, map[string]string{"userId": newUUID()}), http.StatusNotFound)
			if code := errorCode(t, b); code != "not_found" {
				t.Fatalf("code %q", code)
			}
			stranger := newUUID()
			wantStatus(t, e.do("POST", "/api/v1/groups", stranger, map[string]string{"name": "G"}), http.StatusServiceUnavailable)
			if _, err := e.svc.store.user(t.Context(), db, stranger); !errs.Is(err, errs.NotFound) {
				t.Fatalf("a stranger entered the projection: %v", err)
			}
		})

		t.Run("when the user role cannot answer the request fails and changes nothing", func(t *testing.T) {
			t.Parallel()
			e, f := withUsers(t)
			ada := e.user(uniq("ada"))
			g := e.createGroup(ada, "G")
			f.err = errs.E(errs.Unavailable, "user role down")
			bob := newUUID()
			wantStatus(t, e.do("POST", "/api/v1/groups/"+g.ID+"/invites", ada, map[string]string{"userId": bob}), http.StatusServiceUnavailable)
			wantStatus(t, e.do("POST", "/api/v1/groups", bob, map[string]string{"name": "G"}), http.StatusServiceUnavailable)
			var n int
			if err := db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM group_invites WHERE group_id = ?`, g.ID).Scan(&n); err != nil || n != 0 {
				t.Fatalf("%d invites (%v)", n, err)
			}
		})
	})
}
