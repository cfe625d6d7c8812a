package event

import (
	"bytes"
	"encoding/json"
)

// Marshal encodes e as the JSON envelope (ARCHITECTURE.md §4) that buses
// carry. Unlike json.Marshal it leaves <, > and & in the payload as they
// are, so a payload travels byte for byte as the publisher encoded it
// (whitespace aside). It fails when the payload is not valid JSON.
func Marshal(e Event) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
