package group

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/user"
)

// namedEvent is a users-topic event carrying a display name.
func namedEvent(t *testing.T, typ, id, username, displayName string, at time.Time) event.Event {
	t.Helper()
	e, err := event.New(typ, id, user.Changed{UserID: id, Username: username, DisplayName: displayName})
	if err != nil {
		t.Fatal(err)
	}
	e.OccurredAt = at
	return e
}

func TestDisplayNames(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		apply := func(t *testing.T, e *env, ev event.Event) {
			t.Helper()
			if err := e.svc.HandleUserEvent(t.Context(), ev); err != nil {
				t.Fatalf("%s: %v", ev.Type, err)
			}
		}
		// membersJSON is the raw member objects of GET /groups/{id}/members.
		membersJSON := func(t *testing.T, e *env, groupID, uid string) map[string]map[string]any {
			t.Helper()
			var body struct {
				Items []map[string]any `json:"items"`
			}
			if err := json.Unmarshal(wantStatus(t, e.do("GET", "/api/v1/groups/"+groupID+"/members", uid, nil), http.StatusOK), &body); err != nil {
				t.Fatal(err)
			}
			out := map[string]map[string]any{}
			for _, m := range body.Items {
				out[m["userId"].(string)] = m
			}
			return out
		}

		t.Run("members, me and invites show the projected display name, omitted when unset", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			adaName, bobName := uniq("ada"), uniq("bob")
			ada, bob := e.user(adaName), e.user(bobName)
			g := e.createGroup(ada, "G")
			e.join(g.ID, bob, RoleMember, Rights{})
			if m := membersJSON(t, e, g.ID, ada)[bob]; m == nil || m["displayName"] != nil {
				t.Fatalf("bob before a name: %v", m)
			}
			if _, ok := membersJSON(t, e, g.ID, ada)[bob]["displayName"]; ok {
				t.Fatal("displayName present (not omitted) before it was set")
			}

			apply(t, e, namedEvent(t, user.EventUpdated, bob, bobName, "Bob 🦊 Builder", time.Now().Add(time.Minute)))
			if m := membersJSON(t, e, g.ID, ada)[bob]; m["displayName"] != "Bob 🦊 Builder" || m["username"] != bobName {
				t.Fatalf("bob after a name: %v", m)
			}
			if m := membersJSON(t, e, g.ID, ada)[ada]; m["displayName"] != nil {
				t.Fatalf("ada got a name: %v", m)
			}
			d := decodeAs[GroupDetail](t, wantStatus(t, e.do("GET", "/api/v1/groups/"+g.ID, bob, nil), http.StatusOK))
			if d.Me.DisplayName != "Bob 🦊 Builder" {
				t.Fatalf("me %+v", d.Me)
			}

			// Invites show inviter and invitee with their names.
			carolName := uniq("carol")
			carol := e.user(carolName)
			apply(t, e, namedEvent(t, user.EventUpdated, ada, adaName, "Ada L.", time.Now().Add(time.Minute)))
			apply(t, e, namedEvent(t, user.EventUpdated, carol, carolName, "Carol", time.Now().Add(time.Minute)))
			inv := decodeAs[Invite](t, wantStatus(t, e.do("POST", "/api/v1/groups/"+g.ID+"/invites", ada, map[string]string{"userId": carol}), http.StatusCreated))
			if inv.Inviter.DisplayName != "Ada L." || inv.Invitee.DisplayName != "Carol" {
				t.Fatalf("invite %+v", inv)
			}

			// Clearing it (an event without displayName) removes it.
			apply(t, e, namedEvent(t, user.EventUpdated, bob, bobName, "", time.Now().Add(2*time.Minute)))
			if _, ok := membersJSON(t, e, g.ID, ada)[bob]["displayName"]; ok {
				t.Fatal("displayName still shown after it was cleared")
			}
			// A late, older event does not bring it back.
			apply(t, e, namedEvent(t, user.EventUpdated, bob, bobName, "Bob 🦊 Builder", time.Now().Add(time.Minute)))
			if _, ok := membersJSON(t, e, g.ID, ada)[bob]["displayName"]; ok {
				t.Fatal("an older event brought the display name back")
			}
		})

		t.Run("a name change pushes nothing on groups, as a picture change does not", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			name := uniq("ada")
			ada := e.user(name)
			g := e.createGroup(ada, "G")
			before := types(e.events(g.ID))
			apply(t, e, namedEvent(t, user.EventUpdated, ada, name, "Ada", time.Now().Add(time.Minute)))
			pic := "/api/v1/users/" + ada + "/picture?v=1"
			apply(t, e, userEvent(t, user.EventUpdated, ada, name, &pic, time.Now().Add(2*time.Minute)))
			if after := types(e.events(g.ID)); len(after) != len(before) {
				t.Fatalf("events %v, before %v", after, before)
			}
		})

		t.Run("the read-your-writes fill carries the display name", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			f := &fakeUsers{users: map[string]user.User{}}
			e.svc.users = f
			ada := f.add(uniq("ada"))
			f.mu.Lock()
			u := f.users[ada]
			u.DisplayName = "Ada Lovelace"
			f.users[ada] = u
			f.mu.Unlock()
			g := e.createGroup(ada, "Fresh")
			if g.Me.DisplayName != "Ada Lovelace" {
				t.Fatalf("me %+v", g.Me)
			}
		})

		t.Run("a display name over 64 characters is a permanent error and stores nothing", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, db)
			name := uniq("ada")
			ada := e.user(name)
			ev := namedEvent(t, user.EventUpdated, ada, name, strings.Repeat("é", 65), time.Now().Add(time.Minute))
			if err := e.svc.HandleUserEvent(t.Context(), ev); !event.IsPermanent(err) {
				t.Fatalf("%v, want a permanent error", err)
			}
			if u, err := e.svc.store.user(t.Context(), db, ada); err != nil || u.DisplayName != "" {
				t.Fatalf("after the refused event: %+v (%v)", u, err)
			}
			apply(t, e, namedEvent(t, user.EventUpdated, ada, name, strings.Repeat("é", 64), time.Now().Add(time.Minute)))
			if u, err := e.svc.store.user(t.Context(), db, ada); err != nil || u.DisplayName != strings.Repeat("é", 64) {
				t.Fatalf("user %+v (%v)", u, err)
			}
		})
	})
}
