package group

import (
	"testing"

	"github.com/parleychat/parley/internal/blob"
)

// TestNamesRefuseInvisibleFormatCharacters is the suspected item of issue
// 12 about bidi and format characters: a group name or an attachment name
// with a right-to-left override (or another invisible format character)
// is refused; joiners that emoji and scripts need are kept.
func TestNamesRefuseInvisibleFormatCharacters(t *testing.T) {
	for _, bad := range []string{"Book\u202eclub", "a\u2066b\u2069", "zero\u200bwidth", "\ufeffbom", "mark\u200fx", "soft\u00adhyphen"} {
		if _, err := normalizeName(bad); err == nil {
			t.Errorf("group name %q accepted", bad)
		}
		if err := blob.ValidDownloadName(bad + ".pdf"); err == nil {
			t.Errorf("file name %q accepted", bad)
		}
	}
	for _, good := range []string{"Family 👨\u200d👩\u200d👧", "می\u200cخواهم", "Équipe de nuit", "שלום"} {
		if _, err := normalizeName(good); err != nil {
			t.Errorf("group name %q refused: %v", good, err)
		}
		if err := blob.ValidDownloadName(good + ".txt"); err != nil {
			t.Errorf("file name %q refused: %v", good, err)
		}
	}
}
