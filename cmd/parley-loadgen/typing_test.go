package main

import (
	"reflect"
	"testing"
	"time"
)

func TestGroupsOf(t *testing.T) {
	got := groupsOf(23, 10)
	want := [][]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, {20, 21, 22}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("groupsOf(23, 10) = %v, want %v", got, want)
	}
	if n := len(groupsOf(10000, 10)); n != 1000 {
		t.Fatalf("10,000 users in groups of 10: %d groups", n)
	}
}

func TestTypistsOnePerGroupOfTen(t *testing.T) {
	ts := typists(1000, 0.1)
	if len(ts) != 100 {
		t.Fatalf("%d typists of 1,000 at 10 %%", len(ts))
	}
	perGroup := map[int]int{}
	for _, u := range ts {
		perGroup[u/10]++
	}
	for g := range 100 {
		if perGroup[g] != 1 {
			t.Fatalf("group %d has %d typists, want 1 (%v)", g, perGroup[g], ts)
		}
	}
}

func TestPerSecond(t *testing.T) {
	if got := perSecond(900, 30*time.Second); got != 30 {
		t.Fatalf("900 in 30 s = %v/s", got)
	}
	if got := perSecond(5, 0); got != 0 {
		t.Fatalf("empty window = %v/s", got)
	}
}

func TestFrameCounts(t *testing.T) {
	var c frameCounts
	for _, f := range []string{
		`{"type":"typing","groupId":"g","userId":"u"}`,
		`{"type":"presence","userId":"u","status":"online"}`,
		`{"type":"presence.batch","presence":[{"userId":"a","status":"online"},{"userId":"b","status":"online"}]}`,
		`{"type":"message.created"}`,
	} {
		c.count([]byte(f))
	}
	if c.typing.Load() != 1 || c.presence.Load() != 2 || c.presenceEntries.Load() != 3 {
		t.Fatalf("typing %d, presence %d frames %d statuses", c.typing.Load(), c.presence.Load(), c.presenceEntries.Load())
	}
}
