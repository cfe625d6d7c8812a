package systest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/platformtest"
)

// readYourWrites is the back-to-back flow of issue 10: each round two
// fresh users register and verify, the first creates a group at once and
// invites the second, who accepts and posts at once, then the first
// posts. Every step must succeed on the first try — in split mode the
// group role's projection of users and the message role's projection of
// members lag the bus, so the roles must ask the owner on a miss — and no
// answer may be a 5xx.
func readYourWrites(t *testing.T, c *Cluster, rounds int) {
	t.Helper()
	salt := platformtest.Name("")[:6]
	step := func(what string, r Response, status int) Response {
		t.Helper()
		if r.Status >= 500 || r.Status != status {
			t.Fatalf("%s: %d %s, want %d", what, r.Status, strings.TrimSpace(string(r.Body)), status)
		}
		return r
	}
	fresh := func(name string) *Client {
		t.Helper()
		cl := c.NewClient(t)
		email := name + "@example.com"
		step("register "+name, cl.Do("POST", "/api/v1/users", map[string]string{"username": name, "email": email, "password": "pw " + name}), 201)
		code := LinkCode(t, c.Mail.Wait(t, email, "confirm"), "/verify/")
		step("verify "+name, cl.Do("POST", "/api/v1/users/verify", map[string]string{"code": code}), 200)
		login := step("login "+name, cl.Do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "pw " + name}), 200).Map(t)
		cl.Token = login["accessToken"].(string)
		cl.userID = login["user"].(map[string]any)["id"].(string)
		return cl
	}
	for i := range rounds {
		a := fresh(fmt.Sprintf("ryw%sa%d", salt, i))
		b := fresh(fmt.Sprintf("ryw%sb%d", salt, i))
		gid := step("create group", a.Do("POST", "/api/v1/groups", map[string]string{"name": fmt.Sprintf("Round %d", i)}), 201).Map(t)["id"].(string)
		inv := step("invite", a.Do("POST", "/api/v1/groups/"+gid+"/invites", map[string]string{"userId": b.userID}), 201).Map(t)["id"].(string)
		step("accept", b.Do("POST", "/api/v1/invites/"+inv+"/accept", nil), 200)
		step("invitee posts", b.Do("POST", "/api/v1/groups/"+gid+"/messages", map[string]string{"clientMsgId": "b", "text": "hello"}), 201)
		step("creator posts", a.Do("POST", "/api/v1/groups/"+gid+"/messages", map[string]string{"clientMsgId": "a", "text": "welcome"}), 201)
		var page msgPage
		step("history", b.Do("GET", "/api/v1/groups/"+gid+"/messages", nil), 200).JSON(t, &page)
		if len(page.Items) != 2 || page.Items[0].Seq != 2 || page.Items[1].Seq != 1 || page.Items[1].Text != "hello" {
			t.Fatalf("round %d: history %+v, want seq 2 then 1 (newest first)", i, page.Items)
		}
	}
}

// TestReadYourWrites runs the back-to-back flow in both modes.
func TestReadYourWrites(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			readYourWrites(t, Start(t, mode), 5)
		})
	}
}
