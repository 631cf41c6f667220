package file

import (
	"bytes"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"

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

// appendBody writes one rendered body and a newline to buf: an audit entry
// (m set: audit_body: entry) as GitHub sent it, with our metadata under
// format.MetaKey and no reformatting, so the line is GitHub's bytes plus
// that key; any other body in the file's format.
func appendBody(buf *bytes.Buffer, b []byte, m *format.Meta) {
	if m == nil {
		appendLine(buf, b)
		return
	}
	buf.Write(format.AppendMeta(b, m))
	buf.WriteByte('\n')
}
