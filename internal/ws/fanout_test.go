package ws

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/group/groupevent"
)

// people connects alice twice, bob and carol once. alice is in g1 and g2,
// bob in g1, carol in g2 (and everyone in allGroup).
type people struct {
	h     *harness
	conns map[string]*client // alice1, alice2, bob, carol
}

func newPeople(t *testing.T) *people {
	t.Helper()
	h := newHarness(t, harnessOpts{groups: map[string][]string{
		"alice": {"0192aaaa-0000-7000-8000-000000000001", "0192aaaa-0000-7000-8000-000000000002"}, "bob": {"0192aaaa-0000-7000-8000-000000000001"}, "carol": {"0192aaaa-0000-7000-8000-000000000002"},
	}})
	p := &people{h: h, conns: map[string]*client{}}
	for name, tok := range map[string]string{"alice1": "tok-alice", "alice2": "tok-alice", "bob": "tok-bob", "carol": "tok-carol"} {
		p.conns[name], _ = h.dial(t, tok)
	}
	return p
}

// expect publishes events on topic and checks the frame types each
// connection receives (none for a connection not named in want).
func (p *people) expect(t *testing.T, topic string, events []event.Event, want map[string][]string) map[string][]map[string]any {
	t.Helper()
	p.h.publish(topic, events...)
	got := map[string][]map[string]any{}
	for name, c := range p.conns {
		frames := c.framesUntilMarker(markers[topic].frameType)
		got[name] = frames
		if !slices.Equal(types(frames), want[name]) {
			t.Errorf("%s received %v, want %v", name, types(frames), want[name])
		}
	}
	return got
}

func rawEvent(typ, payload string) event.Event {
	return event.Event{ID: "bad", Type: typ, Key: "k", OccurredAt: time.Now(), Payload: json.RawMessage(payload)}
}

func TestEventsReachExactlyTheRightConnections(t *testing.T) {
	t.Parallel()
	p := newPeople(t)
	only := func(typ string, names ...string) map[string][]string {
		m := map[string][]string{}
		for _, n := range names {
			m[n] = []string{typ}
		}
		return m
	}
	startedAt := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		topic string
		event event.Event
		want  map[string][]string
		check func(t *testing.T, f map[string]any)
	}{
		{"message.created to the group's members", TopicMessages,
			mustEvent(t, EventMessageCreated, map[string]any{"message": map[string]any{"id": "m1", "groupId": "0192aaaa-0000-7000-8000-000000000001", "seq": 1, "authorId": "bob", "text": "<hi>", "clientMsgId": "c1", "hidden": false}}),
			only("message.created", "alice1", "alice2", "bob"),
			func(t *testing.T, f map[string]any) {
				m := f["message"].(map[string]any)
				if m["text"] != "<hi>" || m["seq"] != 1.0 || m["clientMsgId"] != "c1" {
					t.Errorf("message = %v", m)
				}
			}},
		{"message.deleted to the group's members", TopicMessages,
			mustEvent(t, EventMessageDeleted, map[string]any{"groupId": "0192aaaa-0000-7000-8000-000000000002", "messageId": "m2", "seq": 4}),
			only("message.deleted", "alice1", "alice2", "carol"),
			func(t *testing.T, f map[string]any) {
				if f["groupId"] != "0192aaaa-0000-7000-8000-000000000002" || f["messageId"] != "m2" || f["seq"] != 4.0 {
					t.Errorf("frame = %v", f)
				}
			}},
		{"message.updated to the group's members", TopicMessages,
			mustEvent(t, EventMessageUpdated, map[string]any{"message": map[string]any{"id": "m1", "groupId": "0192aaaa-0000-7000-8000-000000000001", "seq": 1, "authorId": "bob", "text": "edited", "editedAt": startedAt, "mentions": []string{"alice"}, "hidden": false}}),
			only("message.updated", "alice1", "alice2", "bob"),
			func(t *testing.T, f map[string]any) {
				m := f["message"].(map[string]any)
				if m["text"] != "edited" || m["seq"] != 1.0 || m["editedAt"] != "2026-11-27T09:00:00Z" || len(m["mentions"].([]any)) != 1 {
					t.Errorf("message = %v", m)
				}
			}},
		{"reaction.added to the group's members", TopicMessages,
			mustEvent(t, EventReactionAdded, map[string]any{"groupId": "0192aaaa-0000-7000-8000-000000000002", "messageId": "m2", "seq": 4, "emoji": "👍🏽", "userId": "carol"}),
			only("reaction.added", "alice1", "alice2", "carol"),
			func(t *testing.T, f map[string]any) {
				if f["groupId"] != "0192aaaa-0000-7000-8000-000000000002" || f["messageId"] != "m2" || f["seq"] != 4.0 || f["emoji"] != "👍🏽" || f["userId"] != "carol" || len(f) != 6 {
					t.Errorf("frame = %v", f)
				}
			}},
		{"reaction.removed to the group's members", TopicMessages,
			mustEvent(t, EventReactionRemoved, map[string]any{"groupId": "0192aaaa-0000-7000-8000-000000000001", "messageId": "m1", "seq": 1, "emoji": "❤️", "userId": "bob"}),
			only("reaction.removed", "alice1", "alice2", "bob"),
			func(t *testing.T, f map[string]any) {
				if f["messageId"] != "m1" || f["emoji"] != "❤️" || f["userId"] != "bob" {
					t.Errorf("frame = %v", f)
				}
			}},
		{"reaction without emoji is skipped", TopicMessages, rawEvent(EventReactionAdded, `{"groupId":"0192aaaa-0000-7000-8000-000000000001","messageId":"m1","userId":"bob"}`), nil, nil},
		{"message.updated without group is skipped", TopicMessages, rawEvent(EventMessageUpdated, `{"message":{"id":"m1"}}`), nil, nil},
		{"message.rejected to the sender's connections only", TopicMessages,
			mustEvent(t, EventMessageRejected, map[string]any{"groupId": "0192aaaa-0000-7000-8000-000000000001", "userId": "alice", "clientMsgId": "c7", "error": map[string]string{"code": "invalid", "message": "bad key"}}),
			only("message.rejected", "alice1", "alice2"),
			func(t *testing.T, f map[string]any) {
				if _, leaked := f["userId"]; leaked || f["clientMsgId"] != "c7" || f["error"].(map[string]any)["code"] != "invalid" {
					t.Errorf("frame = %v", f)
				}
			}},
		{"message.hidden to that user's connections only", TopicMessages,
			mustEvent(t, EventMessageHidden, map[string]any{"groupId": "0192aaaa-0000-7000-8000-000000000001", "messageId": "m1", "userId": "bob"}),
			only("message.hidden", "bob"),
			func(t *testing.T, f map[string]any) {
				if _, leaked := f["userId"]; leaked || f["groupId"] != "0192aaaa-0000-7000-8000-000000000001" || f["messageId"] != "m1" {
					t.Errorf("frame = %v", f)
				}
			}},
		{"group.updated to the group's members", groupevent.Topic,
			mustEvent(t, groupevent.TypeUpdated, groupevent.GroupChanged{Group: groupevent.Group{ID: "0192aaaa-0000-7000-8000-000000000001", Name: "renamed"}}),
			only("group.updated", "alice1", "alice2", "bob"),
			func(t *testing.T, f map[string]any) {
				if f["group"].(map[string]any)["name"] != "renamed" {
					t.Errorf("frame = %v", f)
				}
			}},
		{"member.updated to the group's members", groupevent.Topic,
			mustEvent(t, groupevent.TypeMemberUpdated, groupevent.MemberChanged{GroupID: "0192aaaa-0000-7000-8000-000000000002", Member: groupevent.Member{UserID: "carol", Role: "admin"}}),
			only("member.updated", "alice1", "alice2", "carol"),
			func(t *testing.T, f map[string]any) {
				if f["groupId"] != "0192aaaa-0000-7000-8000-000000000002" || f["member"].(map[string]any)["role"] != "admin" {
					t.Errorf("frame = %v", f)
				}
			}},
		{"invite.created to the invitee", groupevent.Topic,
			mustEvent(t, groupevent.TypeInviteCreated, groupevent.InviteChanged{Invite: groupevent.Invite{ID: "i1", Inviter: groupevent.User{ID: "alice"}, Invitee: groupevent.User{ID: "bob"}, Status: groupevent.InvitePending}}),
			only("invite.created", "bob"),
			func(t *testing.T, f map[string]any) {
				if f["invite"].(map[string]any)["id"] != "i1" {
					t.Errorf("frame = %v", f)
				}
			}},
		{"invite.updated to inviter and invitee", groupevent.Topic,
			mustEvent(t, groupevent.TypeInviteUpdated, groupevent.InviteChanged{Invite: groupevent.Invite{ID: "i2", Inviter: groupevent.User{ID: "alice"}, Invitee: groupevent.User{ID: "carol"}, Status: groupevent.InviteDeclined}}),
			only("invite.updated", "alice1", "alice2", "carol"), nil},
		{"group.created is not forwarded", groupevent.Topic,
			mustEvent(t, groupevent.TypeCreated, groupevent.GroupChanged{Group: groupevent.Group{ID: "0192aaaa-0000-7000-8000-000000000001"}}),
			nil, nil},
		{"call.updated to the group's members", TopicCalls,
			mustEvent(t, EventCallUpdated, map[string]any{"groupId": "0192aaaa-0000-7000-8000-000000000001", "participants": []string{"bob"}, "startedAt": startedAt}),
			only("call.updated", "alice1", "alice2", "bob"),
			func(t *testing.T, f map[string]any) {
				if f["groupId"] != "0192aaaa-0000-7000-8000-000000000001" || f["startedAt"] != "2026-11-27T09:00:00Z" || len(f["participants"].([]any)) != 1 {
					t.Errorf("frame = %v", f)
				}
			}},
		{"call.ended to the group's members", TopicCalls,
			mustEvent(t, EventCallEnded, map[string]any{"groupId": "0192aaaa-0000-7000-8000-000000000002"}),
			only("call.ended", "alice1", "alice2", "carol"), nil},
		{"malformed event is skipped", TopicMessages, rawEvent(EventMessageCreated, `{"message":5}`), nil, nil},
		{"event without group is skipped", TopicCalls, rawEvent(EventCallEnded, `{}`), nil, nil},
		{"unknown event type is ignored", TopicMessages, rawEvent("message.exploded", `{"groupId":"0192aaaa-0000-7000-8000-000000000001"}`), nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := p.expect(t, tc.topic, []event.Event{tc.event}, tc.want)
			if tc.check != nil {
				for _, frames := range got {
					for _, f := range frames {
						tc.check(t, f)
					}
				}
			}
		})
	}
}

func TestMembershipEventsKeepConnectionGroupsCurrent(t *testing.T) {
	t.Parallel()
	p := newPeople(t)
	created := func(groupID string) event.Event {
		return mustEvent(t, EventMessageCreated, map[string]any{"message": map[string]any{"id": "m", "groupId": groupID, "seq": 1}})
	}

	t.Run("added member receives the group's frames and may send", func(t *testing.T) {
		p.expect(t, groupevent.Topic,
			[]event.Event{mustEvent(t, groupevent.TypeMemberAdded, groupevent.MemberChanged{GroupID: "0192aaaa-0000-7000-8000-000000000001", Member: groupevent.Member{UserID: "carol"}})},
			map[string][]string{"alice1": {"member.added"}, "alice2": {"member.added"}, "bob": {"member.added"}, "carol": {"member.added"}})
		p.expect(t, TopicMessages, []event.Event{created("0192aaaa-0000-7000-8000-000000000001")},
			map[string][]string{"alice1": {"message.created"}, "alice2": {"message.created"}, "bob": {"message.created"}, "carol": {"message.created"}})
		if !p.h.srv.hub.isMember(p.h.serverConn(t, "carol"), "0192aaaa-0000-7000-8000-000000000001") {
			t.Fatal("carol's connection is not a member of g1")
		}
	})
	t.Run("removed member gets member.removed and group.deleted then nothing", func(t *testing.T) {
		p.expect(t, groupevent.Topic,
			[]event.Event{mustEvent(t, groupevent.TypeMemberRemoved, groupevent.MemberRemoved{GroupID: "0192aaaa-0000-7000-8000-000000000001", UserID: "bob"})},
			map[string][]string{"alice1": {"member.removed"}, "alice2": {"member.removed"}, "carol": {"member.removed"}, "bob": {"member.removed", "group.deleted"}})
		p.expect(t, TopicMessages, []event.Event{created("0192aaaa-0000-7000-8000-000000000001")},
			map[string][]string{"alice1": {"message.created"}, "alice2": {"message.created"}, "carol": {"message.created"}})
		bob := p.conns["bob"]
		bob.send(map[string]any{"type": "message.send", "groupId": "0192aaaa-0000-7000-8000-000000000001", "clientMsgId": "c", "text": "x"})
		if f := bob.read(); f["type"] != "message.rejected" || f["error"].(map[string]any)["code"] != "not_found" {
			t.Fatalf("send after removal → %v, want message.rejected not_found", f)
		}
	})
	t.Run("deleted group reaches its members once then nobody", func(t *testing.T) {
		p.expect(t, groupevent.Topic,
			[]event.Event{mustEvent(t, groupevent.TypeDeleted, groupevent.GroupDeleted{GroupID: "0192aaaa-0000-7000-8000-000000000002", MemberIDs: []string{"alice", "carol", "alice"}})},
			map[string][]string{"alice1": {"group.deleted"}, "alice2": {"group.deleted"}, "carol": {"group.deleted"}})
		p.expect(t, TopicMessages, []event.Event{created("0192aaaa-0000-7000-8000-000000000002")}, nil)
	})
}

// serverConn returns the server side of one of user's connections.
func (h *harness) serverConn(t *testing.T, user string) *conn {
	t.Helper()
	h.srv.hub.mu.RLock()
	defer h.srv.hub.mu.RUnlock()
	for sc := range h.srv.hub.byUser[user] {
		return sc
	}
	t.Fatalf("no server connection of %s", user)
	return nil
}
