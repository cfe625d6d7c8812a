package systest

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// searchHit is an item of GET /api/v1/search/messages.
type searchHit struct {
	Message struct {
		ID       string `json:"id"`
		GroupID  string `json:"groupId"`
		Seq      int64  `json:"seq"`
		AuthorID string `json:"authorId"`
	} `json:"message"`
	Snippet    string   `json:"snippet"`
	Highlights [][2]int `json:"highlights"`
}

func searchMessages(t *testing.T, cl *Client, q string, extra ...string) ([]searchHit, string) {
	t.Helper()
	v := url.Values{"q": {q}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	r := cl.Do("GET", "/api/v1/search/messages?"+v.Encode(), nil)
	Expect(t, "search messages "+q, r, 200, "")
	var page struct {
		Items []searchHit `json:"items"`
		Next  string      `json:"next"`
	}
	r.JSON(t, &page)
	return page.Items, page.Next
}

// eventuallySearch is eventually for searches: it polls every 300 ms, so
// that waiting for the index on a busy machine does not spend the
// caller's search budget (search.MessageRate, 20 per 10 s) that the
// test's later assertions need.
func eventuallySearch(t *testing.T, what string, fn func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func hitIDs(hits []searchHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Message.ID
	}
	return out
}

func sameIDs(hits []searchHit, want ...string) bool {
	got := hitIDs(hits)
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// TestMessageSearch is issue 14's message search over HTTP in both
// modes: the search role indexes what the message role publishes, finds
// it only for members of its group (asked of the group role at every
// search), follows edits, deletions and "delete for me", forgets a removed member at once
// and a deleted group's messages, and refuses bad input.
func TestMessageSearch(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := Start(t, mode)
			alice, _ := signUp(t, c, "alice", "alice password")
			bob, bobMe := signUp(t, c, "bob", "bob password")
			eve, _ := signUp(t, c, "eve", "eve password")
			bobID := bobMe["id"].(string)
			gid := groupWith(t, alice, "Plans", bob)
			other := groupWith(t, eve, "Elsewhere")
			post := func(cl *Client, g, cid, text string) string {
				t.Helper()
				r := cl.Do("POST", "/api/v1/groups/"+g+"/messages", map[string]any{"clientMsgId": cid, "text": text})
				Expect(t, "post "+cid, r, 201, "")
				return r.Map(t)["id"].(string)
			}
			plan := post(alice, gid, "a-1", "The quokka plan starts at dawn")
			kiwi := post(alice, gid, "a-2", "kiwi for breakfast")
			eves := post(eve, other, "e-1", "quokka sightings elsewhere")

			eventuallySearch(t, "bob finds alice's message", func() bool {
				hits, _ := searchMessages(t, bob, "QUOKKA")
				return sameIDs(hits, plan)
			})
			hits, _ := searchMessages(t, bob, "quokka plan", "groupId", gid)
			if len(hits) != 1 || hits[0].Message.GroupID != gid || hits[0].Message.Seq != 1 || hits[0].Snippet != "The quokka plan starts at dawn" {
				t.Fatalf("bob's hit = %+v", hits)
			}
			if h := hits[0].Highlights; len(h) != 2 || h[0] != [2]int{4, 10} || h[1] != [2]int{11, 15} {
				t.Errorf("highlights = %v, want quokka and plan", h)
			}
			eventuallySearch(t, "eve finds her own message only", func() bool {
				hits, _ := searchMessages(t, eve, "quokka")
				return sameIDs(hits, eves)
			})
			Expect(t, "bob names eve's group", bob.Do("GET", "/api/v1/search/messages?q=quokka&groupId="+other, nil), 404, "not_found")
			Expect(t, "a blank query", bob.Do("GET", "/api/v1/search/messages?q=%20%20", nil), 400, "invalid")
			Expect(t, "a query too long", bob.Do("GET", "/api/v1/search/messages?q="+strings.Repeat("a", 201), nil), 400, "invalid")
			Expect(t, "a bad cursor", bob.Do("GET", "/api/v1/search/messages?q=quokka&before=x", nil), 400, "invalid")
			Expect(t, "anonymous", c.NewClient(t).Do("GET", "/api/v1/search/messages?q=quokka", nil), 401, "unauthenticated")

			// Paging: limit 1 walks both of alice's messages, newest first.
			p1, next := searchMessages(t, alice, "kiwi quokka dawn breakfast for the plan starts at", "limit", "1")
			if len(p1) != 0 || next != "" {
				t.Errorf("a query no message fully matches = %v", hitIDs(p1))
			}
			post(alice, gid, "a-3", "kiwi again")
			var all []string
			before := ""
			eventuallySearch(t, "the third message is indexed", func() bool {
				hits, _ := searchMessages(t, alice, "kiwi")
				return len(hits) == 2
			})
			for range 5 {
				page, next := searchMessages(t, alice, "kiwi", "limit", "1", "before", before)
				all = append(all, hitIDs(page)...)
				if next == "" {
					break
				}
				before = next
			}
			if len(all) != 2 || all[1] != kiwi {
				t.Errorf("pages of one = %v, want the newest kiwi then %s", all, kiwi)
			}

			// An edit: found by the new words only.
			Expect(t, "edit", alice.Do("PATCH", "/api/v1/groups/"+gid+"/messages/"+plan, map[string]any{"text": "The wombat plan starts at noon"}), 200, "")
			eventuallySearch(t, "the edit reaches the index", func() bool {
				w, _ := searchMessages(t, alice, "wombat")
				q, _ := searchMessages(t, alice, "quokka")
				return sameIDs(w, plan) && len(q) == 0
			})
			// A deletion: gone.
			Expect(t, "delete", alice.Do("DELETE", "/api/v1/groups/"+gid+"/messages/"+plan, nil), 204, "")
			eventuallySearch(t, "the deletion reaches the index", func() bool {
				w, _ := searchMessages(t, alice, "wombat")
				return len(w) == 0
			})

			// Hidden for bob ("delete for me"): gone from his searches only.
			Expect(t, "bob hides the newest kiwi", bob.Do("POST", "/api/v1/groups/"+gid+"/messages/"+all[0]+"/hide", nil), 204, "")
			eventuallySearch(t, "the hide reaches the index", func() bool {
				hits, _ := searchMessages(t, bob, "kiwi")
				return sameIDs(hits, kiwi)
			})
			if hits, _ := searchMessages(t, alice, "kiwi"); len(hits) != 2 {
				t.Errorf("alice finds %d kiwi messages after bob hid one, want 2", len(hits))
			}

			// Bob removed: at once, nothing of the group, with no event
			// needed — the search role asks the group role.
			if hits, _ := searchMessages(t, bob, "kiwi"); len(hits) != 1 {
				t.Fatalf("bob finds %d kiwi messages before his removal, want 1", len(hits))
			}
			Expect(t, "remove bob", alice.Do("DELETE", "/api/v1/groups/"+gid+"/members/"+bobID, nil), 204, "")
			if hits, _ := searchMessages(t, bob, "kiwi"); len(hits) != 0 {
				t.Errorf("bob finds %v right after his removal", hitIDs(hits))
			}
			Expect(t, "bob names the group he left", bob.Do("GET", "/api/v1/search/messages?q=kiwi&groupId="+gid, nil), 404, "not_found")

			// The group deleted: no one finds its messages (no member is
			// left to ask); that the index drops them too, and keeps late
			// events out, is the contract suite's and the service's test.
			Expect(t, "delete the group", alice.Do("DELETE", "/api/v1/groups/"+gid, nil), 204, "")
			if hits, _ := searchMessages(t, alice, "kiwi"); len(hits) != 0 {
				t.Errorf("alice finds %v in the group she just deleted", hitIDs(hits))
			}
		})
	}
}
