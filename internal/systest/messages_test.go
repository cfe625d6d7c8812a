package systest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// groupWith makes a group of owner's with the others as members (invited
// and accepted), returning its id.
func groupWith(t testing.TB, owner *Client, name string, others ...*Client) string {
	t.Helper()
	r := owner.Do("POST", "/api/v1/groups", map[string]string{"name": name})
	Expect(t, "create "+name, r, 201, "")
	gid := r.Map(t)["id"].(string)
	for _, o := range others {
		me := o.Do("GET", "/api/v1/users/me", nil)
		Expect(t, "me", me, 200, "")
		r := owner.Do("POST", "/api/v1/groups/"+gid+"/invites", map[string]string{"userId": me.Map(t)["id"].(string)})
		Expect(t, "invite", r, 201, "")
		Expect(t, "accept", o.Do("POST", "/api/v1/invites/"+r.Map(t)["id"].(string)+"/accept", nil), 200, "")
	}
	return gid
}

type msgPage struct {
	Items []struct {
		ID          string `json:"id"`
		Seq         int64  `json:"seq"`
		AuthorID    string `json:"authorId"`
		Text        string `json:"text"`
		Deleted     bool   `json:"deleted"`
		Hidden      bool   `json:"hidden"`
		Attachments []struct {
			Key, Name, ContentType string
			Size                   int64
		} `json:"attachments"`
	} `json:"items"`
	HasMore bool `json:"hasMore"`
}

func history(t *testing.T, cl *Client, gid, query string) msgPage {
	t.Helper()
	r := cl.Do("GET", "/api/v1/groups/"+gid+"/messages"+query, nil)
	Expect(t, "history "+query, r, 200, "")
	var p msgPage
	r.JSON(t, &p)
	return p
}

// TestMessagesOverREST covers the message endpoints in both modes: send
// (idempotent, author from the token), history cursors, files through
// pre-signed URLs, cross-group file access, delete for everyone, hide for
// me, removal and group deletion.
func TestMessagesOverREST(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := Start(t, mode)
			alice, aliceMe := signUp(t, c, "alice", "alice password")
			bob, bobMe := signUp(t, c, "bob", "bob password")
			eve, _ := signUp(t, c, "eve", "eve password")
			gid := groupWith(t, alice, "Chat", bob)
			other := groupWith(t, eve, "Elsewhere")
			aliceID, bobID := aliceMe["id"].(string), bobMe["id"].(string)

			post := func(cl *Client, g, cid, text string, extra ...map[string]any) Response {
				body := map[string]any{"clientMsgId": cid, "text": text}
				for _, e := range extra {
					for k, v := range e {
						body[k] = v
					}
				}
				return cl.Do("POST", "/api/v1/groups/"+g+"/messages", body)
			}
			for i := 1; i <= 5; i++ {
				r := post(alice, gid, fmt.Sprintf("a-%d", i), fmt.Sprintf("hello %d", i))
				Expect(t, "send", r, 201, "")
				if m := r.Map(t); m["seq"] != float64(i) || m["authorId"] != aliceID {
					t.Fatalf("message %d = %v", i, m)
				}
			}
			r := post(alice, gid, "a-5", "hello 5")
			Expect(t, "resend same clientMsgId", r, 201, "")
			if r.Map(t)["seq"] != float64(5) {
				t.Fatalf("idempotent resend made a new message: %s", r.Body)
			}
			Expect(t, "impersonation", post(bob, gid, "b-1", "I am alice", map[string]any{"authorId": aliceID}), 400, "invalid")
			Expect(t, "non-member sends", post(eve, gid, "e-1", "hi"), 404, "not_found")
			Expect(t, "empty text", post(bob, gid, "b-2", ""), 400, "invalid")
			Expect(t, "text too long", post(bob, gid, "b-3", strings.Repeat("x", 4001)), 400, "invalid")
			Expect(t, "non-member reads", eve.Do("GET", "/api/v1/groups/"+gid+"/messages", nil), 404, "not_found")

			p := history(t, bob, gid, "?limit=2")
			if len(p.Items) != 2 || p.Items[0].Seq != 5 || p.Items[1].Seq != 4 || !p.HasMore {
				t.Fatalf("newest page = %+v", p)
			}
			p = history(t, bob, gid, "?before=4&limit=10")
			if len(p.Items) != 3 || p.Items[0].Seq != 3 || p.HasMore {
				t.Fatalf("before=4 page = %+v", p)
			}
			p = history(t, bob, gid, "?after=3")
			if len(p.Items) != 2 || p.Items[0].Seq != 4 || p.Items[1].Seq != 5 {
				t.Fatalf("after=3 page = %+v", p)
			}

			// A file through a pre-signed URL, then a message carrying it.
			data := pngBytes(t, 40, 30)
			r = bob.Do("POST", "/api/v1/groups/"+gid+"/uploads", map[string]any{"files": []map[string]any{{"name": "cat.png", "size": len(data), "contentType": "image/png"}}})
			Expect(t, "upload ticket", r, 201, "")
			var tickets struct {
				Items []struct {
					Key, URL, Method string
					Headers          map[string]string
				} `json:"items"`
			}
			r.JSON(t, &tickets)
			tk := tickets.Items[0]
			if !strings.HasPrefix(tk.Key, "groups/"+gid+"/") {
				t.Fatalf("upload key %q is not in the group's folder", tk.Key)
			}
			put, _ := http.NewRequest(tk.Method, tk.URL, bytes.NewReader(data))
			for k, v := range tk.Headers {
				put.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(put)
			if err != nil || res.StatusCode/100 != 2 {
				t.Fatalf("signed PUT: %v %v", err, res)
			}
			res.Body.Close()
			Expect(t, "eve attaches bob's key", post(eve, other, "e-2", "mine now", map[string]any{"attachments": []map[string]string{{"key": tk.Key}}}), 400, "")
			r = post(bob, gid, "b-4", "a cat", map[string]any{"attachments": []map[string]string{{"key": tk.Key}}})
			Expect(t, "send with attachment", r, 201, "")
			catMsg := r.Map(t)
			Expect(t, "eve asks for the file via her group", eve.Do("POST", "/api/v1/groups/"+other+"/attachments/urls", map[string]any{"keys": []string{tk.Key}}), 404, "not_found")
			Expect(t, "eve asks for the file via bob's group", eve.Do("POST", "/api/v1/groups/"+gid+"/attachments/urls", map[string]any{"keys": []string{tk.Key}}), 404, "not_found")
			r = alice.Do("POST", "/api/v1/groups/"+gid+"/attachments/urls", map[string]any{"keys": []string{tk.Key}})
			Expect(t, "alice gets the file URL", r, 200, "")
			var urls struct {
				Items []struct{ Key, URL string } `json:"items"`
			}
			r.JSON(t, &urls)
			res, err = http.Get(urls.Items[0].URL)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !bytes.Equal(got, data) {
				t.Fatalf("download: %d, %d bytes", res.StatusCode, len(got))
			}

			// Issue 12 defect 7: the upload URL writes once. Bob cannot swap
			// the file's contents after the message went out.
			swap := bytes.Repeat([]byte{'X'}, len(data))
			put, _ = http.NewRequest(tk.Method, tk.URL, bytes.NewReader(swap))
			for k, v := range tk.Headers {
				put.Header.Set(k, v)
			}
			res, err = http.DefaultClient.Do(put)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusPreconditionFailed {
				t.Fatalf("second PUT through the upload URL: %d, want 412", res.StatusCode)
			}
			res, err = http.Get(urls.Items[0].URL)
			if err != nil {
				t.Fatal(err)
			}
			got, _ = io.ReadAll(res.Body)
			res.Body.Close()
			if !bytes.Equal(got, data) {
				t.Fatal("the attachment's contents changed after it was sent")
			}

			// Delete for everyone: bob may not delete alice's message; alice may delete bob's (creator).
			first := history(t, alice, gid, "?after=0&limit=1").Items[0]
			Expect(t, "bob deletes alice's message", bob.Do("DELETE", "/api/v1/groups/"+gid+"/messages/"+first.ID, nil), 403, "forbidden")
			Expect(t, "alice deletes bob's message", alice.Do("DELETE", "/api/v1/groups/"+gid+"/messages/"+catMsg["id"].(string), nil), 204, "")
			p = history(t, bob, gid, "?after=5")
			if len(p.Items) != 1 || !p.Items[0].Deleted || p.Items[0].Text != "" || len(p.Items[0].Attachments) != 0 {
				t.Fatalf("tombstone = %+v", p.Items)
			}
			Expect(t, "file of a deleted message", alice.Do("POST", "/api/v1/groups/"+gid+"/attachments/urls", map[string]any{"keys": []string{tk.Key}}), 404, "not_found")

			// Hide for me.
			Expect(t, "bob hides message 1", bob.Do("POST", "/api/v1/groups/"+gid+"/messages/"+first.ID+"/hide", nil), 204, "")
			if p := history(t, bob, gid, "?after=0&limit=1"); !p.Items[0].Hidden || p.Items[0].Text != "" {
				t.Fatalf("hidden for bob = %+v", p.Items[0])
			}
			if p := history(t, alice, gid, "?after=0&limit=1"); p.Items[0].Hidden || p.Items[0].Text != "hello 1" {
				t.Fatalf("hidden for alice too = %+v", p.Items[0])
			}

			// A removed member can no longer read or send.
			Expect(t, "remove bob", alice.Do("DELETE", "/api/v1/groups/"+gid+"/members/"+bobID, nil), 204, "")
			eventually(t, 2e9, "removed member loses access", func() bool {
				return bob.Do("GET", "/api/v1/groups/"+gid+"/messages", nil).Status == 404
			})
			Expect(t, "removed member sends", post(bob, gid, "b-5", "still here?"), 404, "not_found")

			// Deleting the group removes its messages.
			Expect(t, "delete group", alice.Do("DELETE", "/api/v1/groups/"+gid, nil), 204, "")
			eventually(t, 2e9, "messages of a deleted group", func() bool {
				return alice.Do("GET", "/api/v1/groups/"+gid+"/messages", nil).Status == 404
			})
		})
	}
}
