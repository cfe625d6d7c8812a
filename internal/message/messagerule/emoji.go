package messagerule

import "unicode/utf8"

// Limits of a reaction's emoji (issue 13 contract).
const (
	MaxEmojiRunes = 10
	MaxEmojiBytes = 32
)

// Code points that join or modify an emoji but are no picture themselves.
const (
	zwj    = 0x200D // ZERO WIDTH JOINER
	vs16   = 0xFE0F // VARIATION SELECTOR-16 (emoji presentation)
	keycap = 0x20E3 // COMBINING ENCLOSING KEYCAP
)

// Emoji reports whether s is one emoji as a reaction may carry it: valid
// UTF-8 of 1 to 10 code points and at most 32 bytes, made only of code
// points from the emoji ranges, with at least one picture among them.
//
// Pictures are the pictographs (U+1F000–U+1FAFF but for the regional
// indicators and skin tones), the miscellaneous symbols and dingbats
// (U+2600–U+27BF), the miscellaneous symbols and arrows (U+2B00–U+2BFF)
// and the few other symbols that have an emoji presentation (©, ®, ‼, ™,
// arrows, ⌚, ▶, 〽…). A pair of regional indicators (a flag) and a keycap
// (0–9, # or *, an optional U+FE0F, then U+20E3) count as a picture too.
// Besides pictures, only skin-tone modifiers, U+200D (ZWJ), U+FE0F (VS16)
// and tags (U+E0020–U+E007F, subdivision flags) may appear; a regional
// indicator must be one of a pair; 0–9, # and * only begin a keycap.
//
// The rule does not check that the sequence is one the Unicode emoji
// lists name: clients send their picker's form, which is stored as given.
func Emoji(s string) bool {
	if len(s) == 0 || len(s) > MaxEmojiBytes || !utf8.ValidString(s) {
		return false
	}
	rs := []rune(s)
	if len(rs) > MaxEmojiRunes {
		return false
	}
	picture := false
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case isPicture(r):
			picture = true
		case isRegional(r):
			// Flags are pairs: the second of a pair is consumed here.
			if i+1 >= len(rs) || !isRegional(rs[i+1]) {
				return false
			}
			i++
			picture = true
		case isKeycapBase(r):
			// 0–9 # * only as a keycap: base, optional VS16, U+20E3.
			j := i + 1
			if j < len(rs) && rs[j] == vs16 {
				j++
			}
			if j >= len(rs) || rs[j] != keycap {
				return false
			}
			i = j
			picture = true
		case isSkinTone(r), r == zwj, r == vs16, isTag(r):
		default:
			return false
		}
	}
	return picture
}

func isRegional(r rune) bool   { return r >= 0x1F1E6 && r <= 0x1F1FF }
func isSkinTone(r rune) bool   { return r >= 0x1F3FB && r <= 0x1F3FF }
func isTag(r rune) bool        { return r >= 0xE0020 && r <= 0xE007F }
func isKeycapBase(r rune) bool { return r >= '0' && r <= '9' || r == '#' || r == '*' }

// isPicture reports whether r is a pictographic code point of the emoji
// ranges (see Emoji).
func isPicture(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF:
		return !isRegional(r) && !isSkinTone(r)
	case r >= 0x2600 && r <= 0x27BF, // miscellaneous symbols, dingbats
		r >= 0x2B00 && r <= 0x2BFF, // miscellaneous symbols and arrows
		r >= 0x2190 && r <= 0x21FF, // arrows (↔ ↩ …)
		r >= 0x2300 && r <= 0x23FF, // miscellaneous technical (⌚ ⌛ ⏩ …)
		r >= 0x25A0 && r <= 0x25FF, // geometric shapes (▪ ▶ ◀ …)
		r >= 0x2934 && r <= 0x2935: // ⤴ ⤵
		return true
	}
	switch r {
	case 0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x24C2, 0x3030, 0x303D, 0x3297, 0x3299:
		return true
	}
	return false
}
