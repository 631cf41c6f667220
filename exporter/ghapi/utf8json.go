package ghapi

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// validUTF8JSON returns raw with every invalid UTF-8 sequence inside its
// strings replaced by U+FFFD. GitHub's bytes are kept verbatim in records
// (raw, the audit entry) as json.RawMessage, which encoding/json copies
// through unchecked, so this is where sinks are guaranteed valid UTF-8 JSON.
// Valid input is returned as is; input that is not JSON at all is nil.
func validUTF8JSON(raw json.RawMessage) json.RawMessage {
	if raw == nil {
		return nil
	}
	if utf8.Valid(raw) {
		if !json.Valid(raw) {
			return nil
		}
		return raw
	}
	// Decoding replaces invalid sequences with U+FFFD; UseNumber keeps
	// numbers exactly as GitHub wrote them.
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return out
}
