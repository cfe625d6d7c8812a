package ws

import (
	"io"
	"log/slog"
	"net"
	"slices"
	"testing"
)

// testConn is a connection of userID whose frames go to a pipe that
// discards them.
func testConn(t *testing.T, userID string, queue int) *conn {
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil)), lim: Limits{SendQueue: queue}.withDefaults(), conns: map[*conn]struct{}{}}
	a, b := net.Pipe()
	go func() { _, _ = io.Copy(io.Discard, b) }()
	t.Cleanup(func() { _ = a.Close(); _ = b.Close() })
	c := newConn(s, a)
	c.userID = userID
	return c
}

func TestMembershipChangesWhileAConnectionLoadsAreApplied(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		loaded []string // what GroupsOf returned (before or after the events)
		events func(h *hub)
		want   []string
	}{
		{"added after the snapshot", []string{"0192aaaa-0000-7000-8000-000000000001"},
			func(h *hub) { h.memberAdded("0192aaaa-0000-7000-8000-000000000002", "u", nil) }, []string{"0192aaaa-0000-7000-8000-000000000001", "0192aaaa-0000-7000-8000-000000000002"}},
		{"removed after the snapshot", []string{"0192aaaa-0000-7000-8000-000000000001", "0192aaaa-0000-7000-8000-000000000002"},
			func(h *hub) { h.memberRemoved("0192aaaa-0000-7000-8000-000000000002", "u", nil, nil) }, []string{"0192aaaa-0000-7000-8000-000000000001"}},
		{"added then removed", []string{"0192aaaa-0000-7000-8000-000000000001"},
			func(h *hub) {
				h.memberAdded("0192aaaa-0000-7000-8000-000000000002", "u", nil)
				h.memberRemoved("0192aaaa-0000-7000-8000-000000000002", "u", nil, nil)
			}, []string{"0192aaaa-0000-7000-8000-000000000001"}},
		{"group deleted", []string{"0192aaaa-0000-7000-8000-000000000001", "0192aaaa-0000-7000-8000-000000000002"},
			func(h *hub) { h.groupDeleted("0192aaaa-0000-7000-8000-000000000001", []string{"u"}, nil) }, []string{"0192aaaa-0000-7000-8000-000000000002"}},
		{"other user's change", []string{"0192aaaa-0000-7000-8000-000000000001"},
			func(h *hub) { h.memberAdded("0192aaaa-0000-7000-8000-000000000002", "v", nil) }, []string{"0192aaaa-0000-7000-8000-000000000001"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHub()
			c := testConn(t, "u", 8)
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
	c := testConn(t, "u", 8)
	h.add(c)
	h.activate(c, []string{"0192aaaa-0000-7000-8000-000000000001", "0192aaaa-0000-7000-8000-000000000002"})
	h.remove(c)
	if len(h.byUser) != 0 || len(h.byGroup) != 0 {
		t.Fatalf("index after remove: users %v groups %v", h.byUser, h.byGroup)
	}
}
