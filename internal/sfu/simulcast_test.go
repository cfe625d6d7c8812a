package sfu_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/callclient"
	"github.com/parleychat/parley/internal/rights"
)

// TestSimulcastLayerFollowsTheTileSize: a pion publisher sends its camera
// in three layers; a subscriber that shows it small gets the low layer, a
// large one the high layer, and a change of size switches layers without a
// break in the stream (no sequence gap, no timestamp going back).
func TestSimulcastLayerFollowsTheTileSize(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	g := newID()
	pub, err := callclient.Dial(ctx(t), callclient.URL(e.url, g), "tok:"+e.member(g, "pub", rights.RoleCreator, rights.Rights{}),
		callclient.Options{LoopbackOnly: true, Simulcast: true, VideoBitrate: 1_200_000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pub.Close)
	if _, err := pub.Join(ctx(t), true, true); err != nil {
		t.Fatal(err)
	}
	small, _ := e.join(g, e.member(g, "small", rights.RoleMember, rights.Rights{}), false, false)
	large, _ := e.join(g, e.member(g, "large", rights.RoleMember, rights.Rights{}), false, false)
	flowing(t, small, pub.ParticipantID, "camera")
	flowing(t, large, pub.ParticipantID, "camera")

	view := func(c *callclient.Client, w, h int) {
		t.Helper()
		if err := c.Send(map[string]any{"type": "view", "participantId": pub.ParticipantID, "width": w, "height": h}); err != nil {
			t.Fatal(err)
		}
	}
	layer := func(c *callclient.Client, want byte) {
		t.Helper()
		eventually(t, fmt.Sprintf("%s never gets layer %c (has %c)", c.ParticipantID, want, c.Layer(pub.ParticipantID, "camera")), func() bool {
			return c.Layer(pub.ParticipantID, "camera") == want
		})
		flowingAgain(t, c, pub.ParticipantID, "camera")
		if c.Layer(pub.ParticipantID, "camera") != want {
			t.Fatalf("%s left layer %c for %c", c.ParticipantID, want, c.Layer(pub.ParticipantID, "camera"))
		}
	}
	view(small, 160, 90)
	view(large, 1280, 720)
	layer(small, 'q')
	layer(large, 'f')
	view(small, 640, 360)
	layer(small, 'h')
	view(large, 200, 120)
	layer(large, 'q')
	for _, c := range []*callclient.Client{small, large} {
		if gaps, back := c.Continuity(pub.ParticipantID, "camera"); gaps != 0 || back != 0 {
			t.Fatalf("%s saw %d sequence gaps and %d timestamps going back across layer switches", c.ParticipantID, gaps, back)
		}
	}
	// A bad view is refused.
	mark := small.Mark()
	_ = small.Send(map[string]any{"type": "view", "participantId": pub.ParticipantID, "width": -1, "height": 5})
	if code := errorCode(t, small, mark); code != "invalid" {
		t.Fatalf("negative view: %s", code)
	}
}

func TestTheActiveSpeakerIsAnnounced(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	_, cs := call(t, e, 3)
	a, b, c := cs[0], cs[1], cs[2]
	speaker := func(who *callclient.Client, from int) {
		t.Helper()
		for _, x := range cs {
			if _, err := x.Wait(ctx(t), from, "speaker", func(f callclient.Frame) bool {
				var s struct{ ParticipantID string }
				return f.Decode(&s) == nil && s.ParticipantID == who.ParticipantID
			}); err != nil {
				t.Fatalf("%s: %v", x.ParticipantID, err)
			}
		}
	}
	mark := c.Mark()
	a.SetSpeaking(true)
	speaker(a, 0)
	a.SetSpeaking(false)
	b.SetSpeaking(true)
	speaker(b, mark)
	// A muted speaker is not announced.
	b.SetSpeaking(false)
	mark = c.Mark()
	if err := c.Mute("audio", true); err != nil {
		t.Fatal(err)
	}
	c.SetSpeaking(true)
	wctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if f, err := c.Wait(wctx, mark, "speaker", nil); err == nil {
		t.Fatalf("a muted participant was announced: %s", f.Raw)
	}
}
