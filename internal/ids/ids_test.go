package ids

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestCanonical(t *testing.T) {
	const id = "0192f0a1-7b2c-7def-8abc-0123456789ab"
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{id, id, true},
		{strings.ToUpper(id), id, true},
		{"0192F0A1-7b2c-7DEF-8abc-0123456789AB", id, true},
		{"", "", false},
		{"0192f0a17b2c7def8abc0123456789ab", "", false},
		{"{" + id + "}", "", false},
		{"urn:uuid:" + id, "", false},
		{id + "0", "", false},
		{id[:35], "", false},
		{"0192f0a1-7b2c-7def-8abc-0123456789ag", "", false},
		{"0192f0a1_7b2c-7def-8abc-0123456789ab", "", false},
		{"0192f0a1-7b2c-7def-8abc-0123456789aé"[:36], "", false},
		{"０192f0a1-7b2c-7def-8abc-0123456789a", "", false},
		{strings.Repeat("a", 36), "", false},
	} {
		got, ok := Canonical(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Canonical(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if Valid(strings.ToUpper(id)) || !Valid(id) {
		t.Error("Valid accepts only the canonical form")
	}
}

// FuzzCanonical checks, for any input, that a canonical id is returned
// only for the 36-character dashed hexadecimal shape, that it is what
// google/uuid calls the same UUID, and that canonicalising is idempotent.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"0192f0a1-7b2c-7def-8abc-0123456789ab", "0192F0A1-7B2C-7DEF-8ABC-0123456789AB",
		"0192f0a17b2c7def8abc0123456789ab", "{0192f0a1-7b2c-7def-8abc-0123456789ab}", "", "x", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := Canonical(s)
		if !ok {
			if c != "" {
				t.Fatalf("refused %q but returned %q", s, c)
			}
			return
		}
		if !Valid(c) || !strings.EqualFold(c, s) {
			t.Fatalf("Canonical(%q) = %q", s, c)
		}
		u, err := uuid.Parse(s)
		if err != nil || u.String() != c {
			t.Fatalf("Canonical(%q) = %q but uuid.Parse says %v, %v", s, c, u, err)
		}
	})
}
