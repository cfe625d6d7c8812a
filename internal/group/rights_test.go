package group

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http/httptest"
	"testing"

	"github.com/parleychat/parley/internal/sqlstore"
)

// cast is a group with one member of every standing the rights table
// distinguishes, and a verified user outside it.
type cast struct {
	group    string
	ids      map[string]string // standing → user id
	stranger string            // verified, not a member, not invited
}

// Standings in a cast.
//   - creator, admin, admin2: by role
//   - mighty: a member holding all four rights (rights never make an admin)
//   - inviter: a member with addMembers only
//   - remover: a member with removeMembers only
//   - deleter: a member with deleteMessages only ("holds a right")
//   - plain, plain2: members with no rights
//   - outsider: a verified user who is not a member
func (e *env) cast() cast {
	e.t.Helper()
	c := cast{ids: map[string]string{}}
	for _, s := range []string{"creator", "admin", "admin2", "mighty", "inviter", "remover", "deleter", "plain", "plain2", "outsider"} {
		c.ids[s] = e.user(uniq(s[:3]))
	}
	c.stranger = e.user(uniq("str"))
	c.group = e.createGroup(c.ids["creator"], "Cast").ID
	for s, m := range map[string]struct {
		role Role
		r    Rights
	}{
		"admin": {RoleAdmin, AllRights}, "admin2": {RoleAdmin, AllRights}, "mighty": {RoleMember, AllRights},
		"inviter": {RoleMember, Rights{AddMembers: true}}, "remover": {RoleMember, Rights{RemoveMembers: true}},
		"deleter": {RoleMember, Rights{DeleteMessages: true}}, "plain": {RoleMember, Rights{}}, "plain2": {RoleMember, Rights{}},
	} {
		e.join(c.group, c.ids[s], m.role, m.r)
	}
	return c
}

// pngBytes is a small opaque PNG.
func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// uploadBody is a multipart body with data as field "picture".
func uploadBody(t *testing.T, field string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, err := mw.CreateFormFile(field, "p.png")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

func (e *env) upload(groupID, uid string, data []byte) *httptest.ResponseRecorder {
	e.t.Helper()
	body, ct := uploadBody(e.t, "picture", data)
	return e.raw("PUT", "/api/v1/groups/"+groupID+"/picture", uid, body, ct)
}

// authCase is one cell of the rights table: actor does action to target
// (a standing, "self", or "" for the group itself) and gets want.
type authCase struct {
	actor, target string
	want          int
}

// cells expands "actor>target": status entries.
func cells(m map[string]int) []authCase {
	var out []authCase
	for k, v := range m {
		a, tg, _ := bytes.Cut([]byte(k), []byte(">"))
		out = append(out, authCase{actor: string(a), target: string(tg), want: v})
	}
	return out
}

// TestRightsTable checks every cell of ARCHITECTURE.md §6 that the group
// role enforces, through the real HTTP handler, service and SQL store:
// each action by the creator, an admin, a member with the right (and
// one with every right where no right helps), a member without it, and a
// non-member (404: non-members are not told the group exists).
func TestRightsTable(t *testing.T) {
	t.Parallel()
	type action struct {
		name  string
		run   func(e *env, c cast, actor, target string) *httptest.ResponseRecorder
		cases []authCase
	}
	g := func(c cast) string { return "/api/v1/groups/" + c.group }
	actions := []action{
		{"read the group", func(e *env, c cast, a, _ string) *httptest.ResponseRecorder {
			return e.do("GET", g(c), a, nil)
		}, cells(map[string]int{"creator": 200, "admin": 200, "mighty": 200, "plain": 200, "outsider": 404})},
		{"list members", func(e *env, c cast, a, _ string) *httptest.ResponseRecorder {
			return e.do("GET", g(c)+"/members", a, nil)
		}, cells(map[string]int{"creator": 200, "admin": 200, "mighty": 200, "plain": 200, "outsider": 404})},
		{"rename the group", func(e *env, c cast, a, _ string) *httptest.ResponseRecorder {
			return e.do("PATCH", g(c), a, map[string]string{"name": "Renamed"})
		}, cells(map[string]int{"creator": 200, "admin": 200, "mighty": 403, "plain": 403, "outsider": 404})},
		{"set the picture", func(e *env, c cast, a, _ string) *httptest.ResponseRecorder {
			return e.upload(c.group, a, pngBytes(e.t, 8, 8))
		}, cells(map[string]int{"creator": 200, "admin": 200, "mighty": 403, "plain": 403, "outsider": 404})},
		{"delete the picture", func(e *env, c cast, a, _ string) *httptest.ResponseRecorder {
			wantStatus(e.t, e.upload(c.group, c.ids["creator"], pngBytes(e.t, 8, 8)), 200)
			return e.do("DELETE", g(c)+"/picture", a, nil)
		}, cells(map[string]int{"creator": 204, "admin": 204, "mighty": 403, "plain": 403, "outsider": 404})},
		{"delete the group", func(e *env, c cast, a, _ string) *httptest.ResponseRecorder {
			return e.do("DELETE", g(c), a, nil)
		}, cells(map[string]int{"creator": 204, "admin": 403, "mighty": 403, "plain": 403, "outsider": 404})},
		{"invite a user", func(e *env, c cast, a, _ string) *httptest.ResponseRecorder {
			return e.do("POST", g(c)+"/invites", a, map[string]string{"userId": c.stranger})
		}, cells(map[string]int{"creator": 201, "admin": 201, "inviter": 201, "mighty": 201, "remover": 403, "plain": 403, "outsider": 404})},
		{"cancel an invite", func(e *env, c cast, a, _ string) *httptest.ResponseRecorder {
			inv := decodeAs[Invite](e.t, wantStatus(e.t, e.do("POST", g(c)+"/invites", c.ids["inviter"], map[string]string{"userId": c.stranger}), 201))
			if a == "invitee" {
				a = c.stranger
			}
			return e.do("DELETE", "/api/v1/invites/"+inv.ID, a, nil)
		}, cells(map[string]int{"creator": 204, "admin": 204, "inviter": 204, "mighty": 403, "plain": 403, "outsider": 404, "invitee": 403})},
		{"remove a member", func(e *env, c cast, a, x string) *httptest.ResponseRecorder {
			return e.do("DELETE", g(c)+"/members/"+x, a, nil)
		}, cells(map[string]int{
			"creator>self": 403, "creator>admin2": 204, "creator>deleter": 204, "creator>plain2": 204, "creator>outsider": 404,
			"admin>creator": 403, "admin>admin2": 403, "admin>deleter": 204, "admin>plain2": 204, "admin>self": 204,
			"remover>creator": 403, "remover>admin2": 403, "remover>deleter": 403, "remover>plain2": 204, "remover>self": 204,
			"mighty>plain2": 204, "mighty>deleter": 403,
			"plain>creator": 403, "plain>admin2": 403, "plain>deleter": 403, "plain>plain2": 403, "plain>self": 204,
			"outsider>creator": 404, "outsider>plain2": 404, "outsider>self": 404,
		})},
		{"change rights", func(e *env, c cast, a, x string) *httptest.ResponseRecorder {
			return e.do("PATCH", g(c)+"/members/"+x, a, map[string]any{"rights": map[string]bool{"muteMembers": true}})
		}, cells(map[string]int{
			"creator>self": 403, "creator>admin2": 200, "creator>deleter": 200, "creator>plain2": 200, "creator>outsider": 404,
			"admin>creator": 403, "admin>admin2": 403, "admin>self": 403, "admin>deleter": 200, "admin>plain2": 200,
			"mighty>creator": 403, "mighty>admin2": 403, "mighty>deleter": 403, "mighty>plain2": 403, "mighty>self": 403,
			"plain>plain2": 403, "plain>self": 403,
			"outsider>plain2": 404,
		})},
		{"grant admin", func(e *env, c cast, a, x string) *httptest.ResponseRecorder {
			return e.do("PATCH", g(c)+"/members/"+x, a, map[string]string{"role": "admin"})
		}, cells(map[string]int{
			"creator>plain2": 200, "creator>deleter": 200, "creator>admin2": 200, "creator>self": 403,
			"admin>plain2": 403, "admin>admin2": 403, "admin>self": 403,
			"mighty>plain2": 403, "mighty>self": 403, "plain>plain2": 403, "outsider>plain2": 404,
		})},
		{"revoke admin", func(e *env, c cast, a, x string) *httptest.ResponseRecorder {
			return e.do("PATCH", g(c)+"/members/"+x, a, map[string]string{"role": "member"})
		}, cells(map[string]int{
			"creator>admin2": 200, "creator>self": 403, "admin>admin2": 403, "admin>self": 403,
			"mighty>admin2": 403, "plain>admin2": 403, "outsider>admin2": 404,
		})},
		{"transfer ownership", func(e *env, c cast, a, x string) *httptest.ResponseRecorder {
			return e.do("POST", g(c)+"/owner", a, map[string]string{"userId": x})
		}, cells(map[string]int{
			"creator>plain2": 200, "creator>admin2": 200, "creator>self": 400, "creator>outsider": 404,
			"admin>plain2": 403, "admin>self": 403, "mighty>plain2": 403, "plain>plain2": 403, "outsider>plain2": 404,
		})},
	}
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		for _, act := range actions {
			for _, tc := range act.cases {
				name := act.name + " by " + tc.actor
				if tc.target != "" {
					name += " on " + tc.target
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					e := newEnv(t, db)
					c := e.cast()
					actor := c.ids[tc.actor]
					if tc.actor == "invitee" {
						actor = "invitee"
					}
					target := c.ids[tc.target]
					if tc.target == "self" {
						target = actor
					}
					rec := act.run(e, c, actor, target)
					if rec.Code != tc.want {
						t.Fatalf("status %d, want %d; body %s", rec.Code, tc.want, rec.Body.String())
					}
				})
			}
		}
	})
}
