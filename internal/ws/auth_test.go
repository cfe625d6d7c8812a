package ws

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestReadyListsTheUsersGroupsWithTheirLastSeq(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{
		groups: map[string][]string{"alice": {"0192aaaa-0000-7000-8000-000000000001", "0192aaaa-0000-7000-8000-000000000002"}},
		seqs:   map[string]int64{"0192aaaa-0000-7000-8000-000000000001": 7, allGroup: 3},
	})
	_, ready := h.dial(t, "tok-alice")
	if ready["userId"] != "alice" {
		t.Errorf("userId = %v, want alice", ready["userId"])
	}
	got := map[string]float64{}
	for _, g := range ready["groups"].([]any) {
		g := g.(map[string]any)
		got[g["groupId"].(string)] = g["lastSeq"].(float64)
	}
	want := map[string]float64{allGroup: 3, "0192aaaa-0000-7000-8000-000000000001": 7, "0192aaaa-0000-7000-8000-000000000002": 0}
	if len(got) != len(want) {
		t.Fatalf("groups = %v, want %v", got, want)
	}
	for id, seq := range want {
		if s, ok := got[id]; !ok || s != seq {
			t.Errorf("group %s lastSeq = %v (present %v), want %v", id, s, ok, seq)
		}
	}
}

func TestAuthFailuresCloseWith4001(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{limits: Limits{AuthTimeout: 300 * time.Millisecond}})
	cases := map[string]func(c *client){
		"bad token":                func(c *client) { c.send(map[string]any{"type": "auth", "token": "forged"}) },
		"empty token":              func(c *client) { c.send(map[string]any{"type": "auth"}) },
		"first frame is not auth":  func(c *client) { c.send(map[string]any{"type": "ping"}) },
		"first frame is not JSON":  func(c *client) { c.sendRaw([]byte("hello")) },
		"no frame within timeout":  func(c *client) {},
		"message.send before auth": func(c *client) { c.send(map[string]any{"type": "message.send", "groupId": allGroup}) },
	}
	for name, act := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := h.dialRaw(t)
			act(c)
			if code := c.closeCode(5 * time.Second); code != CloseUnauthenticated {
				t.Fatalf("close code = %d, want 4001", code)
			}
		})
	}
}

func TestExpiredTokenClosesWith4001UnlessRefreshed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{shortLife: 500 * time.Millisecond})

	t.Run("not refreshed", func(t *testing.T) {
		t.Parallel()
		c, _ := h.dial(t, "short-alice")
		if code := c.closeCode(5 * time.Second); code != CloseUnauthenticated {
			t.Fatalf("close code = %d, want 4001", code)
		}
	})
	t.Run("refreshed with a fresh token", func(t *testing.T) {
		t.Parallel()
		c, _ := h.dial(t, "short-bob")
		c.send(map[string]any{"type": "auth", "token": "tok-bob"})
		time.Sleep(time.Second)
		c.send(map[string]any{"type": "ping"})
		if f := c.read(); f["type"] != "pong" {
			t.Fatalf("frame = %v, want pong", f)
		}
	})
	t.Run("refreshed with another user's token", func(t *testing.T) {
		t.Parallel()
		c, _ := h.dial(t, "tok-carol")
		c.send(map[string]any{"type": "auth", "token": "tok-mallory"})
		if code := c.closeCode(5 * time.Second); code != CloseUnauthenticated {
			t.Fatalf("close code = %d, want 4001", code)
		}
	})
	t.Run("refresh that cannot be checked keeps the session", func(t *testing.T) {
		t.Parallel()
		c, _ := h.dial(t, "tok-erin")
		c.send(map[string]any{"type": "auth", "token": "keys-down"})
		f := c.read()
		if f["type"] != "error" || f["error"].(map[string]any)["code"] != "unavailable" {
			t.Fatalf("frame = %v, want error unavailable", f)
		}
		c.send(map[string]any{"type": "ping"})
		if f := c.read(); f["type"] != "pong" {
			t.Fatalf("frame = %v, want pong", f)
		}
	})
	t.Run("refreshed with a bad token", func(t *testing.T) {
		t.Parallel()
		c, _ := h.dial(t, "tok-dave")
		c.send(map[string]any{"type": "auth", "token": "forged"})
		if code := c.closeCode(5 * time.Second); code != CloseUnauthenticated {
			t.Fatalf("close code = %d, want 4001", code)
		}
	})
}

func TestDependenciesUnavailableCloseWith1013(t *testing.T) {
	t.Parallel()
	t.Run("groups", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOpts{})
		h.members.setErr(errors.New("group role down"))
		c := h.dialRaw(t)
		c.send(map[string]any{"type": "auth", "token": "tok-alice"})
		if code := c.closeCode(5 * time.Second); code != websocket.StatusTryAgainLater {
			t.Fatalf("close code = %d, want 1013", code)
		}
	})
	t.Run("token keys", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOpts{})
		c := h.dialRaw(t)
		c.send(map[string]any{"type": "auth", "token": "keys-down"})
		if code := c.closeCode(5 * time.Second); code != websocket.StatusTryAgainLater {
			t.Fatalf("close code = %d, want 1013", code)
		}
	})
}

func TestOriginIsCheckedAgainstPublicURLAndSameOrigin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{publicURL: "https://chat.example.com/app"})
	cases := []struct {
		origin string
		ok     bool
	}{
		{"", true},
		{"https://chat.example.com", true},
		{"HTTPS://Chat.Example.com", true},
		{h.http.URL, true}, // same origin as the request
		{"https://evil.example.com", false},
		{"http://chat.example.com", false},
		{"null", false},
	}
	for _, tc := range cases {
		t.Run("origin "+tc.origin, func(t *testing.T) {
			t.Parallel()
			hdr := http.Header{}
			if tc.origin != "" {
				hdr.Set("Origin", tc.origin)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, resp, err := websocket.Dial(ctx, h.url, &websocket.DialOptions{HTTPHeader: hdr})
			if tc.ok {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				_ = c.CloseNow()
				return
			}
			if err == nil {
				_ = c.CloseNow()
				t.Fatal("dial succeeded, want 403")
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("response = %v, want 403", resp)
			}
		})
	}
}
