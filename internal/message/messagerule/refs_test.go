package messagerule

import (
	"strings"
	"testing"
)

func TestCheckRefs(t *testing.T) {
	t.Parallel()
	const id = "0192f0a1-7b2c-7def-8abc-0123456789ab"
	many := make([]string, MaxMentions+1)
	for i := range many {
		many[i] = id
	}
	for _, tc := range []struct {
		name     string
		reply    string
		mentions []string
		field    string
	}{
		{"nothing", "", nil, ""},
		{"a reply and mentions", id, []string{id, id}, ""},
		{"50 mentions", "", many[:MaxMentions], ""},
		{"51 mentions", "", many, "mentions"},
		{"reply id in capitals", strings.ToUpper(id), nil, "replyToId"},
		{"reply id not an id", "42", nil, "replyToId"},
		{"mention not an id", "", []string{id, "@bob"}, "mentions"},
		{"mention id in capitals", "", []string{strings.ToUpper(id)}, "mentions"},
		{"empty mention", "", []string{""}, "mentions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := CheckRefs(tc.reply, tc.mentions)
			switch {
			case tc.field == "" && p != nil:
				t.Fatalf("CheckRefs = %+v, want nil", p)
			case tc.field != "" && (p == nil || p.Field != tc.field):
				t.Fatalf("CheckRefs = %+v, want a problem with %s", p, tc.field)
			}
		})
	}
}

func TestCheckText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		text  string
		files bool
		ok    bool
	}{
		{"text", "hello", false, true},
		{"4000 characters", strings.Repeat("é", MaxTextLen), false, true},
		{"4001 characters", strings.Repeat("x", MaxTextLen+1), false, false},
		{"blank", "  \n", false, false},
		{"empty with files", "", true, true},
		{"invalid UTF-8", "\xff", false, false},
	} {
		if got := CheckText(tc.text, tc.files) == nil; got != tc.ok {
			t.Errorf("%s: CheckText ok = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

func TestCanonicalRefs(t *testing.T) {
	t.Parallel()
	const id = "0192f0a1-7b2c-7def-8abc-0123456789ab"
	r, ms, p := CanonicalRefs(strings.ToUpper(id), []string{strings.ToUpper(id), id})
	if p != nil || r != id || len(ms) != 2 || ms[0] != id || ms[1] != id {
		t.Fatalf("CanonicalRefs = %q %v %+v, want the canonical ids", r, ms, p)
	}
	if p := CheckRefs(r, ms); p != nil {
		t.Fatalf("CheckRefs refuses what CanonicalRefs made: %+v", p)
	}
	for name, tc := range map[string]struct {
		reply    string
		mentions []string
		field    string
	}{
		"reply without dashes":  {strings.ReplaceAll(id, "-", ""), nil, "replyToId"},
		"reply in braces":       {"{" + id + "}", nil, "replyToId"},
		"mention as a username": {"", []string{"@bob"}, "mentions"},
		"51 mentions":           {"", make([]string, MaxMentions+1), "mentions"},
	} {
		if _, _, p := CanonicalRefs(tc.reply, tc.mentions); p == nil || p.Field != tc.field {
			t.Errorf("%s: CanonicalRefs problem = %+v, want %s", name, p, tc.field)
		}
	}
}
