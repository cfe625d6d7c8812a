package group

import (
	"net/http"
	"sync"
	"testing"

	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/sqlstore/sqlstoretest"
)

// TestConcurrentChangesKeepTheRules runs competing requests from two
// instances of the role (two connection pools on one database).
func TestConcurrentChangesKeepTheRules(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("of simultaneous invites of one user exactly one is created", func(t *testing.T) {
			t.Parallel()
			e1 := newEnv(t, db)
			e2 := newEnv(t, sqlstoretest.Reopen(t, db))
			ada, bob := e1.user(uniq("ada")), e1.user(uniq("bob"))
			g := e1.createGroup(ada, "G")
			codes := make([]int, 8)
			var wg sync.WaitGroup
			for i := range codes {
				e := []*env{e1, e2}[i%2]
				wg.Go(func() {
					codes[i] = e.do("POST", "/api/v1/groups/"+g.ID+"/invites", ada, map[string]string{"userId": bob}).Code
				})
			}
			wg.Wait()
			created := 0
			for _, c := range codes {
				switch c {
				case http.StatusCreated:
					created++
				case http.StatusConflict:
				default:
					t.Fatalf("codes %v", codes)
				}
			}
			if created != 1 {
				t.Fatalf("codes %v: want exactly one 201", codes)
			}
		})

		t.Run("an invite accepted and canceled at once ends one way", func(t *testing.T) {
			t.Parallel()
			e1 := newEnv(t, db)
			e2 := newEnv(t, sqlstoretest.Reopen(t, db))
			ada, bob := e1.user(uniq("ada")), e1.user(uniq("bob"))
			g := e1.createGroup(ada, "G")
			inv := e1.invite(g.ID, ada, bob)
			var accept, cancel int
			var wg sync.WaitGroup
			wg.Go(func() { accept = e1.do("POST", "/api/v1/invites/"+inv.ID+"/accept", bob, nil).Code })
			wg.Go(func() { cancel = e2.do("DELETE", "/api/v1/invites/"+inv.ID, ada, nil).Code })
			wg.Wait()
			member := e1.do("GET", "/api/v1/groups/"+g.ID, bob, nil).Code
			switch {
			case accept == 200 && cancel == 409 && member == 200:
			case accept == 409 && cancel == 204 && member == 404:
			default:
				t.Fatalf("accept %d, cancel %d, member %d", accept, cancel, member)
			}
		})
	})
}
