package messagerule

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestEmojiAcceptsWhatPickersSend(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"👍", "❤️", "❤", "😂", "🎉", "✅", "⭐", "↩️", "⌚", "▶️", "©️", "™️", "〽️",
		"👍🏽",       // skin tone
		"👩‍💻",      // ZWJ sequence
		"👩🏽‍💻",     // skin tone and ZWJ
		"👨‍👩‍👧‍👦",  // family: 7 code points, 25 bytes
		"🏳️‍🌈",     // flag with VS16 and ZWJ
		"🇫🇷", "🇺🇦", // regional indicator pairs
		"1️⃣", "#️⃣", "*⃣", // keycaps, with and without VS16
		"🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", // Scotland: tags
		"🫠", "🪿", // recent pictographs
	} {
		if !Emoji(s) {
			t.Errorf("Emoji(%q) = false, want true", s)
		}
	}
}

func TestEmojiRefusesEverythingElse(t *testing.T) {
	t.Parallel()
	for name, s := range map[string]string{
		"empty":                   "",
		"letter":                  "a",
		"word":                    "thumbsup",
		"shortcode":               ":+1:",
		"digit without keycap":    "1",
		"hash without keycap":     "#",
		"keycap alone":            "\u20E3",
		"VS16 alone":              "\uFE0F",
		"ZWJ alone":               "\u200D",
		"skin tone alone":         "🏽",
		"tags alone":              "\U000E0067\U000E007F",
		"one regional indicator":  "🇫",
		"three regional":          "🇫🇷🇫",
		"emoji and a letter":      "👍a",
		"emoji and a space":       "👍 ",
		"emoji and a newline":     "👍\n",
		"NUL":                     "👍\x00",
		"slash":                   "👍/",
		"VS15 (text style)":       "❤\uFE0E",
		"CJK":                     "漢",
		"invalid UTF-8":           "\xF0\x9F\x91",
		"lone surrogate encoding": "\xED\xA0\x80",
		"11 code points":          strings.Repeat("😀", 11),
		"over 32 bytes":           "🧑🏻‍❤️‍💋‍🧑🏼", // 10 code points, 35 bytes
		"9 pictures, 36 bytes":    strings.Repeat("😀", 9),
		"RTL override":            "👍\u202E",
		"combining accent":        "👍\u0301",
	} {
		if Emoji(s) {
			t.Errorf("%s: Emoji(%q) = true, want false", name, s)
		}
	}
}

func TestEmojiLimitsAreExact(t *testing.T) {
	t.Parallel()
	if s := strings.Repeat("😀", 8); !Emoji(s) { // 8 code points, 32 bytes
		t.Errorf("Emoji(%q) = false at exactly 32 bytes", s)
	}
	if s := strings.Repeat("⭐", 10); !Emoji(s) { // 10 code points, 30 bytes
		t.Errorf("Emoji(%q) = false at exactly 10 code points", s)
	}
	if s := strings.Repeat("⭐", 11); Emoji(s) { // 11 code points, 33 bytes
		t.Errorf("Emoji(%q) = true beyond 10 code points", s)
	}
}

// FuzzEmoji checks what every accepted string must be, whatever it is:
// valid UTF-8 within the limits, free of anything a path, a log line or
// a text view could take for something else, and the same after a trip
// through URL path escaping (the emoji travels in a path).
func FuzzEmoji(f *testing.F) {
	for _, s := range []string{"👍", "❤️", "👩🏽‍💻", "🇫🇷", "1️⃣", "a", "", "👍/", "\xF0\x9F", strings.Repeat("😀", 9)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !Emoji(s) {
			return
		}
		if !utf8.ValidString(s) || len(s) > MaxEmojiBytes || utf8.RuneCountInString(s) > MaxEmojiRunes || s == "" {
			t.Fatalf("Emoji(%q) accepted a string beyond the limits", s)
		}
		for _, r := range s {
			if unicode.IsControl(r) || unicode.IsSpace(r) || unicode.IsLetter(r) || r == '/' || r == '%' || r == '?' || r == '\\' {
				t.Fatalf("Emoji(%q) accepted %U", s, r)
			}
		}
		u, err := url.PathUnescape(url.PathEscape(s))
		if err != nil || u != s {
			t.Fatalf("Emoji(%q): path escaping does not round-trip: %q, %v", s, u, err)
		}
		if !Emoji(s) {
			t.Fatalf("Emoji(%q) is not deterministic", s)
		}
	})
}
