package ws

import (
	"io"
	"log/slog"
	"slices"
	"testing"
)

func testConn(userID string, queue int) *conn {
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return &conn{srv: s, userID: userID, queue: make(chan []byte, queue), groups: map[string]struct{}{}}
}

func TestMembershipChangesWhileAConnectionLoadsAreApplied(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		loaded []string // what GroupsOf returned (before or after the events)
		events func(h *hub)
		want   []string
	}{
		{"added after the snapshot", []string{"g1"},
			func(h *hub) { h.memberAdded("g2", "u", nil) }, []string{"g1", "g2"}},
		{"removed after the snapshot", []string{"g1", "g2"},
			func(h *hub) { h.memberRemoved("g2", "u", nil, nil) }, []string{"g1"}},
		{"added then removed", []string{"g1"},
			func(h *hub) { h.memberAdded("g2", "u", nil); h.memberRemoved("g2", "u", nil, nil) }, []string{"g1"}},
		{"group deleted", []string{"g1", "g2"},
			func(h *hub) { h.groupDeleted("g1", []string{"u"}, nil) }, []string{"g2"}},
		{"other user's change", []string{"g1"},
			func(h *hub) { h.memberAdded("g2", "v", nil) }, []string{"g1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub()
			c := testConn("u", 8)
			h.add(c)
			tc.events(h)
			got := h.activate(c, tc.loaded)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("groups = %v, want %v", got, tc.want)
			}
			for _, g := range tc.want {
				if _, ok := h.byGroup[g][c]; !ok {
					t.Errorf("connection not indexed under %s", g)
				}
			}
		})
	}
}

func TestRemovedConnectionLeavesNoIndexBehind(t *testing.T) {
	t.Parallel()
	h := newHub()
	c := testConn("u", 8)
	h.add(c)
	h.activate(c, []string{"g1", "g2"})
	h.remove(c)
	if len(h.byUser) != 0 || len(h.byGroup) != 0 {
		t.Fatalf("index after remove: users %v groups %v", h.byUser, h.byGroup)
	}
}
