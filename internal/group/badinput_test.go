package group

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/sqlstore"
)

// TestBadInputIsNeverA500 throws malformed requests at every route.
func TestBadInputIsNeverA500(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		e := newEnv(t, db)
		ada := e.user(uniq("ada"))
		g := e.createGroup(ada, "G")
		long := strings.Repeat("x", 5000)
		ids := []string{g.ID, "x", long, "%00", "..%2F..", newUUID(), "%27%20OR%201=1%20--"}
		bodies := []string{"", "{", "null", "[]", `{"name":null}`, `{"userId":null}`, `{"role":null,"rights":null}`,
			`{"rights":{"addMembers":null}}`, `{"name":"` + long + `"}`, `{"userId":"` + long + `"}`, "\xff\xfe"}
		for _, id := range ids {
			for _, body := range bodies {
				for _, r := range [][2]string{
					{"POST", "/api/v1/groups"}, {"GET", "/api/v1/groups/" + id}, {"PATCH", "/api/v1/groups/" + id},
					{"DELETE", "/api/v1/groups/" + id + "/picture"}, {"PUT", "/api/v1/groups/" + id + "/picture"},
					{"GET", "/api/v1/groups/" + id + "/picture"}, {"GET", "/api/v1/groups/" + id + "/members"},
					{"PATCH", "/api/v1/groups/" + g.ID + "/members/" + id}, {"DELETE", "/api/v1/groups/" + g.ID + "/members/" + id},
					{"POST", "/api/v1/groups/" + id + "/owner"}, {"POST", "/api/v1/groups/" + id + "/invites"},
					{"GET", "/api/v1/invites?cursor=" + id}, {"POST", "/api/v1/invites/" + id + "/accept"},
					{"POST", "/api/v1/invites/" + id + "/decline"}, {"DELETE", "/api/v1/invites/" + id},
				} {
					rec := e.do(r[0], r[1], ada, body)
					if rec.Code >= 500 {
						t.Fatalf("%s %s %q: %d %s", r[0], r[1], body, rec.Code, rec.Body)
					}
				}
			}
		}
	})
}
