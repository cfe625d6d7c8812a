package sfu_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/callclient"
	"github.com/parleychat/parley/internal/group/groupevent"
	"github.com/parleychat/parley/internal/rights"
)

// errorCode waits for the next error frame after mark and returns its code.
func errorCode(t *testing.T, c *callclient.Client, mark int) string {
	t.Helper()
	f, err := c.Wait(ctx(t), mark, "error", nil)
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := f.Decode(&e); err != nil {
		t.Fatal(err)
	}
	return e.Error.Code
}

// state reads GET /api/v1/calls/{groupId} as userID.
func (e *env) state(groupID, userID string) (int, callState) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url+"/api/v1/calls/"+groupID, nil)
	req.Header.Set("Authorization", "Bearer tok:"+userID)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var st callState
	if res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
			e.t.Fatal(err)
		}
	}
	return res.StatusCode, st
}

type callState struct {
	Active       bool                     `json:"active"`
	StartedAt    *string                  `json:"startedAt"`
	Participants []callclient.Participant `json:"participants"`
}

func (s callState) find(pid string) callclient.Participant {
	for _, p := range s.Participants {
		if p.ParticipantID == pid {
			return p
		}
	}
	return callclient.Participant{}
}

// TestModerateFollowsTheRightsTable checks every cell of ARCHITECTURE.md
// §6's mute row: creator, admin, member with muteMembers and member
// without, on creator, admin and member targets.
func TestModerateFollowsTheRightsTable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	users := map[string]string{
		"creator": e.member(g, "creator", rights.RoleCreator, rights.Rights{}),
		"admin":   e.member(g, "admin", rights.RoleAdmin, rights.Rights{}),
		"admin2":  e.member(g, "admin2", rights.RoleAdmin, rights.Rights{}),
		"muter":   e.member(g, "muter", rights.RoleMember, rights.Rights{MuteMembers: true}),
		"deleter": e.member(g, "deleter", rights.RoleMember, rights.Rights{DeleteMessages: true, RemoveMembers: true, AddMembers: true}),
		"plain":   e.member(g, "plain", rights.RoleMember, rights.Rights{}),
		"plain2":  e.member(g, "plain2", rights.RoleMember, rights.Rights{}),
	}
	cs := map[string]*callclient.Client{}
	for name, id := range users {
		c, _ := e.join(g, id, true, false)
		cs[name] = c
	}
	for _, tc := range []struct {
		actor, target string
		want          string // "ok", or the error code
	}{
		{"creator", "admin", "ok"},
		{"creator", "plain", "ok"},
		{"creator", "muter", "ok"},
		{"creator", "creator", "invalid"}, // oneself: use mute
		{"admin", "creator", "forbidden"},
		{"admin", "admin2", "ok"},
		{"admin", "plain", "ok"},
		{"muter", "creator", "forbidden"},
		{"muter", "admin", "forbidden"},
		{"muter", "plain", "ok"},
		{"deleter", "plain", "forbidden"}, // other rights do not mute
		{"plain", "creator", "forbidden"},
		{"plain", "admin", "forbidden"},
		{"plain", "plain2", "forbidden"},
	} {
		t.Run(tc.actor+" mutes "+tc.target, func(t *testing.T) {
			actor, target := cs[tc.actor], cs[tc.target]
			am, tm := actor.Mark(), target.Mark()
			if err := actor.Moderate(target.ParticipantID, "audio", true); err != nil {
				t.Fatal(err)
			}
			if tc.want != "ok" {
				if code := errorCode(t, actor, am); code != tc.want {
					t.Fatalf("error %s, want %s", code, tc.want)
				}
				if _, st := e.state(g, users["creator"]); st.find(target.ParticipantID).Audio.Muted {
					t.Fatal("a refused moderate muted the target")
				}
				return
			}
			f, err := target.Wait(ctx(t), tm, "moderated", nil)
			if err != nil {
				t.Fatal(err)
			}
			var m struct {
				Kind  string `json:"kind"`
				Muted bool   `json:"muted"`
				By    string `json:"by"`
			}
			if err := f.Decode(&m); err != nil || m.Kind != "audio" || !m.Muted || m.By != actor.ParticipantID {
				t.Fatalf("moderated frame %s", f.Raw)
			}
			p, err := actor.WaitParticipant(ctx(t), am, "participant.updated", target.ParticipantID, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Audio.Muted || p.Audio.MutedBy == nil || *p.Audio.MutedBy != actor.ParticipantID {
				t.Fatalf("participant.updated after a moderator's mute: %+v", p)
			}
			// The target cannot lift it; the moderator can.
			tm = target.Mark()
			if err := target.Mute("audio", false); err != nil {
				t.Fatal(err)
			}
			if code := errorCode(t, target, tm); code != "forbidden" {
				t.Fatalf("the muted one unmuting: %s, want forbidden", code)
			}
			tm = target.Mark()
			if err := actor.Moderate(target.ParticipantID, "audio", false); err != nil {
				t.Fatal(err)
			}
			if _, err := target.WaitParticipant(ctx(t), tm, "participant.updated", target.ParticipantID, func(p callclient.Participant) bool {
				return !p.Audio.Muted && p.Audio.MutedBy == nil
			}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestModeratorsMuteIsEnforcedAndOutlivesARejoin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	creator := e.member(g, "creator", rights.RoleCreator, rights.Rights{})
	plain := e.member(g, "plain", rights.RoleMember, rights.Rights{})
	other := e.member(g, "other", rights.RoleMember, rights.Rights{})
	a, _ := e.join(g, creator, true, true)
	b, _ := e.join(g, plain, true, true)
	c, _ := e.join(g, other, true, true)
	flowing(t, a, b.ParticipantID, "microphone")
	flowing(t, c, b.ParticipantID, "camera")

	bm := b.Mark()
	for _, kind := range []string{"audio", "video"} {
		if err := a.Moderate(b.ParticipantID, kind, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.WaitParticipant(ctx(t), bm, "participant.updated", b.ParticipantID, func(p callclient.Participant) bool {
		return p.Audio.Muted && p.Video.Muted
	}); err != nil {
		t.Fatal(err)
	}
	// b keeps sending: nobody hears or sees it.
	silent(t, a, b, "microphone")
	silent(t, c, b, "camera")
	silent(t, c, b, "microphone")
	// b's own unmute is refused and changes nothing.
	bm = b.Mark()
	if err := b.Mute("video", false); err != nil {
		t.Fatal(err)
	}
	if code := errorCode(t, b, bm); code != "forbidden" {
		t.Fatalf("unmute while moderated: %s", code)
	}
	silent(t, c, b, "camera")

	// A rejoin (a new participant of the same user) starts muted by the
	// same moderator.
	b.Close()
	b2, jb2 := e.join(g, plain, true, true)
	me := jb2.Participants[len(jb2.Participants)-1]
	if me.ParticipantID != b2.ParticipantID || !me.Audio.Muted || me.Audio.MutedBy == nil || *me.Audio.MutedBy != a.ParticipantID || !me.Video.Muted {
		t.Fatalf("the rejoined participant: %+v", me)
	}
	eventually(t, "b2 never published", func() bool { return b2.Sent("camera") > 30 })
	silent(t, c, b2, "camera")
	// Only a moderator lifts it.
	m2 := b2.Mark()
	if err := a.Moderate(b2.ParticipantID, "video", false); err != nil {
		t.Fatal(err)
	}
	if _, err := b2.Wait(ctx(t), m2, "moderated", nil); err != nil {
		t.Fatal(err)
	}
	flowing(t, c, b2.ParticipantID, "camera")
	silent(t, c, b2, "microphone") // audio is still moderated
}

func TestAModeratorsMuteCoversEveryTabOfTheUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	a, _ := e.join(g, e.member(g, "creator", rights.RoleCreator, rights.Rights{}), true, false)
	plain := e.member(g, "plain", rights.RoleMember, rights.Rights{})
	tab1, _ := e.join(g, plain, true, false)
	tab2, _ := e.join(g, plain, true, false)
	m1, m2 := tab1.Mark(), tab2.Mark()
	if err := a.Moderate(tab1.ParticipantID, "audio", true); err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		c    *callclient.Client
		mark int
	}{{tab1, m1}, {tab2, m2}} {
		if _, err := x.c.Wait(ctx(t), x.mark, "moderated", nil); err != nil {
			t.Fatal(err)
		}
	}
	silent(t, a, tab2, "microphone")
	// Targeting one's own other tab is targeting oneself.
	m1 = tab1.Mark()
	if err := tab1.Moderate(tab2.ParticipantID, "audio", false); err != nil {
		t.Fatal(err)
	}
	if code := errorCode(t, tab1, m1); code != "invalid" {
		t.Fatalf("moderating one's own tab: %s, want invalid", code)
	}
}

func TestAChangedRightAppliesToTheNextModerate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	creator := e.member(g, "creator", rights.RoleCreator, rights.Rights{})
	plain := e.member(g, "plain", rights.RoleMember, rights.Rights{})
	target := e.member(g, "target", rights.RoleMember, rights.Rights{})
	_, _ = e.join(g, creator, true, false)
	p, _ := e.join(g, plain, true, false)
	x, _ := e.join(g, target, true, false)
	mark := p.Mark()
	if err := p.Moderate(x.ParticipantID, "audio", true); err != nil {
		t.Fatal(err)
	}
	if code := errorCode(t, p, mark); code != "forbidden" {
		t.Fatalf("before the grant: %s", code)
	}
	// The group role grants muteMembers.
	e.publish(groupevent.TypeMemberUpdated, g, groupevent.MemberChanged{GroupID: g, Member: groupevent.Member{
		UserID: plain, Username: "plain", Role: rights.RoleMember, Rights: rights.Rights{MuteMembers: true},
	}})
	eventually(t, "the grant never applied", func() bool {
		mark := x.Mark()
		if err := p.Moderate(x.ParticipantID, "audio", true); err != nil {
			t.Fatal(err)
		}
		_, err := x.Wait(shortCtx(t), mark, "moderated", nil)
		return err == nil
	})
	// Revoked: the next moderate is refused.
	e.publish(groupevent.TypeMemberUpdated, g, groupevent.MemberChanged{GroupID: g, Member: groupevent.Member{
		UserID: plain, Username: "plain", Role: rights.RoleMember,
	}})
	eventually(t, "the revocation never applied", func() bool {
		mark := p.Mark()
		if err := p.Moderate(x.ParticipantID, "video", true); err != nil {
			t.Fatal(err)
		}
		f, err := p.Wait(shortCtx(t), mark, "error", nil)
		return err == nil && strings.Contains(string(f.Raw), `"forbidden"`)
	})
}
