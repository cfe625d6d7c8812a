package ws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/ids"
	"github.com/parleychat/parley/internal/message/messagerule"
)

// fuzzGroup is the group the fuzzing user belongs to besides allGroup.
const fuzzGroup = "0192aaaa-0000-7000-8000-00000000f022"

// FuzzFrame sends arbitrary client frames to a real chat WebSocket
// server. As the first frame of a connection, a frame either authenticates
// (ready) or closes the connection with 4001. After auth, every frame is
// answered, if at all, with frames that are JSON objects with a type (an
// error frame with an error code), and the connection stays open unless
// it is closed with a code of the protocol; and whatever ws publishes to
// the message role is a message of a group the user is in, by that user,
// in canonical form, of a shape the message role accepts; the same holds
// for the read cursors it moves and the typing it publishes (issue 14).
func FuzzFrame(f *testing.F) {
	h := newHarness(f, harnessOpts{
		limits: Limits{RatePerSecond: 1e9, RateBurst: 1 << 30},
		groups: map[string][]string{"alice": {fuzzGroup}},
	})
	var (
		mu      sync.Mutex
		problem string
	)
	err := h.bus.Subscribe(context.Background(), event.Subscription{
		Topic: TopicSubmitted, Group: "message",
		Handler: func(_ context.Context, e event.Event) error {
			var p Submitted
			why := ""
			keys := []string{}
			if err := e.Decode(&p); err != nil {
				why = "undecodable: " + err.Error()
			}
			for _, a := range p.Attachments {
				keys = append(keys, a.Key)
			}
			switch c, ok := ids.Canonical(p.GroupID); {
			case why != "":
			case !ok || c != p.GroupID || e.Key != p.GroupID:
				why = "group id not canonical: " + p.GroupID
			case p.GroupID != fuzzGroup && p.GroupID != allGroup:
				why = "published to a group the user is not in: " + p.GroupID
			case p.AuthorID != "alice":
				why = "author is " + p.AuthorID
			case messagerule.Check(p.ClientMsgID, p.Text, keys) != nil:
				why = fmt.Sprintf("a shape the message role refuses: %+v", *messagerule.Check(p.ClientMsgID, p.Text, keys))
			case messagerule.CheckRefs(p.ReplyToID, p.Mentions) != nil:
				why = fmt.Sprintf("a reply or mentions the message role refuses: %+v", *messagerule.CheckRefs(p.ReplyToID, p.Mentions))
			}
			if why != "" {
				mu.Lock()
				problem = why
				mu.Unlock()
			}
			return nil
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	// Issue 14: typing is published for a group of the user's only, by
	// that user, in canonical form.
	err = h.bus.Subscribe(context.Background(), event.Subscription{
		Topic: TopicTyping,
		Handler: func(_ context.Context, e event.Event) error {
			var p typingEvent
			why := ""
			switch err := e.Decode(&p); {
			case err != nil:
				why = "undecodable typing: " + err.Error()
			case p.GroupID != fuzzGroup && p.GroupID != allGroup || e.Key != p.GroupID:
				why = "typing published to " + p.GroupID
			case p.UserID != "alice":
				why = "typing by " + p.UserID
			}
			if why != "" {
				mu.Lock()
				problem = why
				mu.Unlock()
			}
			return nil
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		`{"type":"auth","token":"tok-alice"}`, `{"type":"auth","token":"tok-mallory"}`, `{"type":"auth","token":"bad"}`,
		`{"type":"auth","token":"keys-down"}`, `{"type":"ping"}`, `{"type":"message.send","groupId":"` + fuzzGroup + `","clientMsgId":"c1","text":"hi"}`,
		// Issue 12 defect 3: another spelling of the id is that id.
		`{"type":"message.send","groupId":"0192AAAA-0000-7000-8000-00000000F022","clientMsgId":"c2","text":"hi"}`,
		`{"type":"message.send","groupId":"0192aaaa00007000800000000000f022","clientMsgId":"c3","text":"hi"}`,
		`{"type":"message.send","groupId":"0192aaaa-0000-7000-8000-000000000bad","clientMsgId":"c4","text":"hi"}`,
		// Issue 13: a reply and mentions, in capitals (published canonical) and not ids.
		`{"type":"message.send","groupId":"` + fuzzGroup + `","clientMsgId":"c5","text":"hi","replyToId":"0192AAAA-0000-7000-8000-00000000F0E1","mentions":["0192AAAA-0000-7000-8000-00000000F0F1"]}`,
		`{"type":"message.send","groupId":"` + fuzzGroup + `","clientMsgId":"c6","text":"hi","replyToId":"1","mentions":["@bob"]}`,
		// Issue 12 defect 12: clientMsgId counted the same way as the message role.
		`{"type":"message.send","groupId":"` + fuzzGroup + `","clientMsgId":"ééééééééééééééééééééééééééééééééééééééééé","text":"x"}`,
		`{"type":"message.send","groupId":"` + fuzzGroup + `","clientMsgId":"c5","text":"","attachments":[{"key":"a"},{"key":"a"}]}`,
		`{"type":"message.send","groupId":"` + fuzzGroup + `","clientMsgId":"c\u0000","text":"\ud800"}`,
		`{"type":"message.send","groupId":"` + fuzzGroup + `","clientMsgId":"c6","text":"\u202eevil","authorId":"mallory"}`,
		`{"type":"message.send","groupId":null,"attachments":{}}`, `{"type":"auth","token":"tok-alice"}`, `{"type":"auth","token":"tok-bob"}`,
		`{"type":7}`, `[]`, `null`, `"ping"`, `{"type":"ping"`, "\xff\xfe", ``,
		// Issue 14: read and typing.
		`{"type":"read","groupId":"` + fuzzGroup + `","seq":3}`, `{"type":"read","groupId":"0192AAAA-0000-7000-8000-00000000F022","seq":1e3}`,
		`{"type":"read","groupId":"` + fuzzGroup + `","seq":-1}`, `{"type":"read","groupId":"` + fuzzGroup + `","seq":1.5}`,
		`{"type":"read","groupId":"0192aaaa-0000-7000-8000-000000000bad","seq":1}`, `{"type":"read","groupId":"` + fuzzGroup + `"}`,
		`{"type":"typing","groupId":"` + fuzzGroup + `"}`, `{"type":"typing","groupId":"0192AAAA-0000-7000-8000-00000000F022"}`,
		`{"type":"typing","groupId":"0192aaaa-0000-7000-8000-000000000bad"}`, `{"type":"typing","groupId":{}}`, `{"type":"typing","userId":"bob"}`,
	} {
		f.Add(false, []byte(s))
		f.Add(true, []byte(s))
	}
	var live *websocket.Conn
	dial := func(t *testing.T) *websocket.Conn {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, h.url, nil)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		c.SetReadLimit(1 << 20)
		return c
	}
	write := func(t *testing.T, c *websocket.Conn, b []byte) bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return c.Write(ctx, websocket.MessageText, b) == nil
	}
	// next reads a frame, or the close code (-1: none) when the connection ends.
	next := func(t *testing.T, c *websocket.Conn) (map[string]any, websocket.StatusCode) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, b, err := c.Read(ctx)
		if err != nil {
			if ctx.Err() != nil && !errors.As(err, new(websocket.CloseError)) {
				t.Fatal("no answer and no close within 10 s")
			}
			return nil, websocket.CloseStatus(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("frame %q is not a JSON object", b)
		}
		if typ, _ := m["type"].(string); typ == "" {
			t.Fatalf("frame %s has no type", b)
		}
		if m["type"] == "error" || m["type"] == "message.rejected" {
			if e, _ := m["error"].(map[string]any); e == nil || e["code"] == "" || e["code"] == nil {
				t.Fatalf("error frame %s has no error code", b)
			}
		}
		return m, 0
	}
	f.Fuzz(func(t *testing.T, first bool, data []byte) {
		defer func() {
			mu.Lock()
			defer mu.Unlock()
			if problem != "" {
				t.Fatalf("published: %s", problem)
			}
			// Read cursors move only in the user's groups, never backwards
			// from a negative seq.
			for _, m := range h.seqs.marked() {
				var g, u string
				var seq int64
				if _, err := fmt.Sscan(m, &g, &u, &seq); err != nil || g != fuzzGroup && g != allGroup || u != "alice" || seq < 0 {
					t.Fatalf("MarkRead(%s)", m)
				}
			}
		}()
		if first {
			c := dial(t)
			defer c.CloseNow()
			if !write(t, c, data) {
				return
			}
			m, code := next(t, c)
			var fr inFrame
			valid := json.Unmarshal(data, &fr) == nil && fr.Type == "auth" &&
				(strings.HasPrefix(fr.Token, "tok-") || strings.HasPrefix(fr.Token, "short-")) // fakeVerify's tokens
			switch {
			case m != nil && m["type"] == "ready" && valid:
			case m == nil && (code == CloseUnauthenticated || code == websocket.StatusTryAgainLater && fr.Token == "keys-down") && !valid:
			default:
				t.Fatalf("first frame %q: answered %v, close %d", data, m, code)
			}
			return
		}
		if live == nil {
			live = dial(t)
			if !write(t, live, []byte(`{"type":"auth","token":"tok-alice"}`)) {
				t.Fatal("auth write failed")
			}
			if m, code := next(t, live); m == nil || m["type"] != "ready" {
				t.Fatalf("no ready: %v %d", m, code)
			}
		}
		if !write(t, live, data) || !write(t, live, []byte(`{"type":"ping"}`)) {
			live = nil
			return
		}
		for {
			m, code := next(t, live)
			if m == nil {
				switch code {
				case CloseUnauthenticated, websocket.StatusMessageTooBig:
				default:
					t.Fatalf("frame %q closed the connection with %d", data, code)
				}
				live.CloseNow()
				live = nil
				return
			}
			if m["type"] == "pong" {
				return
			}
		}
	})
}
