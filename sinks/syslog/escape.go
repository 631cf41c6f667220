package syslog

import (
	"strings"
	"unicode/utf8"
)

// TruncationMarker ends a message body that was cut to max_message_size, and
// an SD parameter value that was cut to sdValueMax.
const TruncationMarker = "...[truncated]"

// sdValueMax bounds one SD-PARAM value in bytes (before escaping), so that the
// header and the SD element always fit the smallest max_message_size and a
// long value cannot crowd out the body. GitHub logins (39) and owner/name
// repositories (≤ 140) fit.
const sdValueMax = 200

// headerToken makes s an RFC 5424 header token (MSGID, PROCID): every rune
// outside PRINTUSASCII (%d33-126) becomes '_', the result is cut to max
// bytes, and an empty token is the NILVALUE "-".
func headerToken(s string, max int) string {
	if s == "" {
		return "-"
	}
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < 33 || s[i] > 126 {
			clean = false
			break
		}
	}
	if clean && len(s) <= max {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if b.Len() == max {
			break
		}
		if r < 33 || r > 126 {
			r = '_'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// sdValue prepares an SD-PARAM value: valid UTF-8, control characters
// (newlines included, which would end an LF-framed message) replaced by a
// space, at most sdValueMax bytes. The RFC 5424 escaping of '"', '\' and
// ']' is left to the library's serializer.
func sdValue(s string) string {
	return cleanText(s, sdValueMax)
}

// cleanText returns s as valid UTF-8 without control characters, cut on a
// rune boundary to max bytes (marker included) when it is longer.
func cleanText(s string, max int) string {
	if isCleanText(s) && len(s) <= max {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			r = ' '
		}
		b.WriteRune(r)
	}
	out := b.String()
	if len(out) > max {
		out = cutUTF8(out, max-len(TruncationMarker)) + TruncationMarker
	}
	return out
}

func isCleanText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return utf8.ValidString(s)
}

// cutUTF8 returns the longest prefix of s of at most n bytes that does not
// split a rune.
func cutUTF8(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// appendCEFHeader appends a CEF header field: '\' and '|' are escaped with a
// backslash; newlines and other control characters, which a header may not
// contain, become spaces.
func appendCEFHeader(b []byte, s string) []byte {
	s = strings.ToValidUTF8(s, "\uFFFD")
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == '|':
			b = append(b, '\\', c)
		case c < 0x20 || c == 0x7f:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendCEFValue appends a CEF extension value: '\' and '=' are escaped with
// a backslash, CR and LF are written as \r and \n, other control characters
// become spaces. Pipes need no escaping in extensions.
func appendCEFValue(b []byte, s string) []byte {
	s = strings.ToValidUTF8(s, "\uFFFD")
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == '=':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < 0x20 || c == 0x7f:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return b
}
