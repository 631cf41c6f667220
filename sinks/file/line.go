package file

import "bytes"

// appendLine writes one record's JSON (as json.Marshal wrote it) and a
// newline to buf, with the HTML characters json.Marshal escapes (<, >, &
// as \u003c, \u003e, \u0026) written as themselves: a JSON-lines file is
// read by people and tools, not embedded in HTML. The JSON means the same
// either way.
func appendLine(buf *bytes.Buffer, j []byte) {
	for {
		i := bytes.IndexByte(j, '\\')
		if i < 0 {
			break
		}
		buf.Write(j[:i])
		if i+1 >= len(j) {
			j = j[i:]
			break
		}
		if j[i+1] == 'u' && len(j)-i >= 6 && j[i+2] == '0' && j[i+3] == '0' {
			if c := htmlChar(j[i+4], j[i+5]); c != 0 {
				buf.WriteByte(c)
				j = j[i+6:]
				continue
			}
		}
		// any other escape, \\ included, stays as it is
		buf.Write(j[i : i+2])
		j = j[i+2:]
	}
	buf.Write(j)
	buf.WriteByte('\n')
}

// htmlChar is the character of the escape \u00XY when it is one of the
// three json.Marshal escapes for HTML; 0 otherwise.
func htmlChar(x, y byte) byte {
	switch {
	case x == '3' && (y == 'c' || y == 'C'):
		return '<'
	case x == '3' && (y == 'e' || y == 'E'):
		return '>'
	case x == '2' && y == '6':
		return '&'
	}
	return 0
}
