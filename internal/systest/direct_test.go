package systest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// tryPost is Do with a JSON body for goroutines other than the test's:
// it returns transport errors instead of failing the test.
func (c *Client) tryPost(path string, body any) (Response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return Response{}, err
	}
	req, err := http.NewRequest("POST", c.base+path, bytes.NewReader(b))
	if err != nil {
		return Response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("X-Forwarded-For", c.addr)
	res, err := c.http.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return Response{Status: res.StatusCode, Header: res.Header, Body: raw}, err
}

// TestDirectConversations (issue 14 item 7), in both modes over HTTP:
// alice starts a direct conversation with bob twice while bob starts one
// with alice, all at once, and they get one conversation; both post to
// it; a third user can neither see it nor post to it; what a direct
// conversation does not allow is refused.
func TestDirectConversations(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := Start(t, mode)
			alice, aliceMe := signUp(t, c, "alice", "alice password")
			bob, bobMe := signUp(t, c, "bob", "bob password")
			carol, carolMe := signUp(t, c, "carol", "carol password")
			aliceID, bobID, carolID := aliceMe["id"].(string), bobMe["id"].(string), carolMe["id"].(string)
			bws, _ := DialWS(t, c.URL, bob) // connected before the conversation exists
			cws, _ := DialWS(t, c.URL, carol)

			starts := []struct {
				cl    *Client
				other string
			}{{alice, bobID}, {alice, bobID}, {bob, aliceID}}
			res := make([]Response, len(starts))
			errs := make([]error, len(starts))
			var wg sync.WaitGroup
			for i, s := range starts {
				wg.Go(func() { res[i], errs[i] = s.cl.tryPost("/api/v1/direct", map[string]string{"userId": s.other}) })
			}
			wg.Wait()
			created, gid := 0, ""
			for i, r := range res {
				if errs[i] != nil {
					t.Fatalf("start %d: %v", i, errs[i])
				}
				switch r.Status {
				case 201:
					created++
				case 200:
				default:
					t.Fatalf("start %d: %d %s", i, r.Status, r.Body)
				}
				g := r.Map(t)
				if gid == "" {
					gid = g["id"].(string)
				}
				if g["id"] != gid || g["kind"] != "direct" || g["name"] != "" || g["memberCount"] != float64(2) {
					t.Fatalf("start %d answered %s, want the direct conversation %s", i, r.Body, gid)
				}
			}
			if created != 1 {
				t.Fatalf("%d of the concurrent starts created a conversation, want 1", created)
			}
			// Bob's socket learns of it by his own member.added (alice's
			// reaches him too when his came first) and from then on receives
			// its messages.
			for {
				f := bws.Next("member.added")
				if f["groupId"] != gid {
					t.Fatalf("bob's socket: %v, want member.added of %s", f, gid)
				}
				if f["member"].(map[string]any)["userId"] == bobID {
					break
				}
			}
			Expect(t, "alice starts it once more", alice.Do("POST", "/api/v1/direct", map[string]string{"userId": bobID}), 200, "")

			// Both list it, as a direct conversation.
			for name, cl := range map[string]*Client{"alice": alice, "bob": bob} {
				r := cl.Do("GET", "/api/v1/groups", nil)
				Expect(t, name+" lists groups", r, 200, "")
				var list struct {
					Items []map[string]any `json:"items"`
				}
				r.JSON(t, &list)
				if len(list.Items) != 1 || list.Items[0]["id"] != gid || list.Items[0]["kind"] != "direct" {
					t.Fatalf("%s lists %s", name, r.Body)
				}
			}

			// Both post; both read both messages.
			Expect(t, "alice posts", alice.Do("POST", "/api/v1/groups/"+gid+"/messages", map[string]any{"clientMsgId": "a-1", "text": "hi bob"}), 201, "")
			if m := bws.Next("message.created")["message"].(map[string]any); m["groupId"] != gid || m["text"] != "hi bob" {
				t.Fatalf("bob's socket got %v", m)
			}
			Expect(t, "bob posts", bob.Do("POST", "/api/v1/groups/"+gid+"/messages", map[string]any{"clientMsgId": "b-1", "text": "hi alice"}), 201, "")
			for name, cl := range map[string]*Client{"alice": alice, "bob": bob} {
				if h := convHistory(t, cl, gid); len(h) != 2 {
					t.Fatalf("%s reads %d messages, want 2", name, len(h))
				}
			}

			// Carol sees nothing of it and cannot post to it.
			cws.None("message.created", 300*time.Millisecond)
			Expect(t, "carol reads the conversation", carol.Do("GET", "/api/v1/groups/"+gid, nil), 404, "not_found")
			Expect(t, "carol reads its messages", carol.Do("GET", "/api/v1/groups/"+gid+"/messages", nil), 404, "not_found")
			Expect(t, "carol posts to it", carol.Do("POST", "/api/v1/groups/"+gid+"/messages", map[string]any{"clientMsgId": "c-1", "text": "let me in"}), 404, "not_found")
			Expect(t, "carol removes bob", carol.Do("DELETE", "/api/v1/groups/"+gid+"/members/"+bobID, nil), 404, "not_found")

			// What a direct conversation does not allow, even to its members.
			Expect(t, "alice renames it", alice.Do("PATCH", "/api/v1/groups/"+gid, map[string]string{"name": "Us"}), 403, "forbidden")
			Expect(t, "alice invites carol", alice.Do("POST", "/api/v1/groups/"+gid+"/invites", map[string]string{"userId": carolID}), 403, "forbidden")
			Expect(t, "bob removes alice", bob.Do("DELETE", "/api/v1/groups/"+gid+"/members/"+aliceID, nil), 403, "forbidden")
			Expect(t, "alice deletes it", alice.Do("DELETE", "/api/v1/groups/"+gid, nil), 403, "forbidden")
			Expect(t, "bob grants himself a right", bob.Do("PATCH", "/api/v1/groups/"+gid+"/members/"+bobID, map[string]any{"rights": map[string]bool{"deleteMessages": true}}), 403, "forbidden")
			Expect(t, "a conversation with oneself", alice.Do("POST", "/api/v1/direct", map[string]string{"userId": aliceID}), 400, "invalid")
			Expect(t, "a conversation with nobody", alice.Do("POST", "/api/v1/direct", map[string]string{"userId": "0190a5e0-0000-7000-8000-000000000000"}), 404, "not_found")
			Expect(t, "a conversation without a token", c.NewClient(t).Do("POST", "/api/v1/direct", map[string]string{"userId": bobID}), 401, "unauthenticated")
			if h := convHistory(t, bob, gid); len(h) != 2 {
				t.Fatalf("bob reads %d messages after the refusals, want 2", len(h))
			}
		})
	}
}
