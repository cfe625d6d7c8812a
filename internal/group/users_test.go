package group

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/user"
)

func TestUserProjection(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("applies verified and updated once, ignores duplicates, older events and registrations", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ctx := t.Context()
			id, t0 := newUUID(), time.Now().Add(-time.Hour)
			pic := "/api/v1/users/" + id + "/picture?v=1"
			apply := func(ev event.Event) {
				t.Helper()
				if err := e.svc.HandleUserEvent(ctx, ev); err != nil {
					t.Fatalf("%s: %v", ev.Type, err)
				}
			}
			apply(userEvent(t, user.EventRegistered, id, "ada", nil, t0))
			if _, err := e.svc.store.user(ctx, db, id); err == nil {
				t.Fatal("an unverified user became known")
			}
			verified := userEvent(t, user.EventVerified, id, "ada", nil, t0.Add(time.Second))
			apply(verified)
			apply(verified) // the same event twice
			updated := userEvent(t, user.EventUpdated, id, "ada2", &pic, t0.Add(2*time.Second))
			apply(updated)
			apply(updated)
			apply(verified) // a replay of an older event changes nothing
			u, err := e.svc.store.user(ctx, db, id)
			if err != nil || u.Username != "ada2" || u.PictureURL == nil || *u.PictureURL != pic {
				t.Fatalf("user %+v (%v)", u, err)
			}
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM group_users WHERE id = ?`, id).Scan(&n); err != nil || n != 1 {
				t.Fatalf("%d rows (%v)", n, err)
			}
		})

		t.Run("members show the projected username and picture", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			ada := e.user(uniq("ada"))
			g := e.createGroup(ada, "G")
			pic := "/api/v1/users/" + ada + "/picture?v=3"
			if err := e.svc.HandleUserEvent(t.Context(), userEvent(t, user.EventUpdated, ada, "renamed", &pic, time.Now().Add(time.Minute))); err != nil {
				t.Fatal(err)
			}
			d := decodeAs[GroupDetail](t, wantStatus(t, e.do("GET", "/api/v1/groups/"+g.ID, ada, nil), 200))
			if d.Me.Username != "renamed" || d.Me.PictureURL == nil || *d.Me.PictureURL != pic {
				t.Fatalf("me %+v", d.Me)
			}
		})

		t.Run("a payload that does not decode is permanent", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			for _, payload := range []string{`[1]`, `{"userId":"","username":"x"}`, `{"userId":"` + strings.Repeat("a", 37) + `","username":"x"}`} {
				ev := event.Event{ID: newUUID(), Type: user.EventVerified, Key: "k", Payload: []byte(payload)}
				if err := e.svc.HandleUserEvent(t.Context(), ev); !event.IsPermanent(err) {
					t.Errorf("%s: %v, want a permanent error", payload, err)
				}
			}
			if err := e.svc.HandleUserEvent(t.Context(), event.Event{ID: newUUID(), Type: "user.exploded", Payload: []byte(`{}`)}); err != nil {
				t.Errorf("unknown type: %v", err)
			}
		})
	})
}
