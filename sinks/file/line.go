package file

import (
	"bytes"

	"github.com/goccy/go-json/jsontext"
)

// lineFormat re-encodes a stored record for a JSON-lines file: strings
// with the minimal escaping of RFC 8259, so the HTML characters
// json.Marshal escapes (<, >, & as \u003c, \u003e, \u0026) are written as
// themselves (the file is read by people and tools, not embedded in HTML);
// U+2028 and U+2029 stay escaped for JavaScript readers, as before. The
// JSON means the same either way. Duplicate names and invalid UTF-8 in a
// raw payload are let through as they were stored.
var lineFormat = []jsontext.Options{
	jsontext.EscapeForHTML(false), jsontext.EscapeForJS(true),
	jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true),
}

// appendLine writes one record's JSON (as json.Marshal wrote it) in the
// file's format and a newline to buf. JSON the formatter refuses, which the
// outbox's check never lets through, is written as it was stored.
func appendLine(buf *bytes.Buffer, j []byte) {
	if b, err := jsontext.AppendFormat(buf.AvailableBuffer(), j, lineFormat...); err == nil {
		j = b
	}
	buf.Write(j)
	buf.WriteByte('\n')
}
