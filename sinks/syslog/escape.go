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
	if isHeaderToken(s, max) {
		return s
	}
	return string(appendHeaderToken(nil, s, max))
}

// appendHeaderToken appends headerToken(s, max) to dst.
func appendHeaderToken(dst []byte, s string, max int) []byte {
	if s == "" {
		return append(dst, '-')
	}
	if isHeaderToken(s, max) {
		return append(dst, s...)
	}
	n := 0
	for _, r := range s {
		if n == max {
			break
		}
		// every rune written is one byte: PRINTUSASCII or '_'
		if r < 33 || r > 126 {
			r = '_'
		}
		dst = append(dst, byte(r))
		n++
	}
	return dst
}

// isHeaderToken reports whether s is already a header token of at most max
// bytes.
func isHeaderToken(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 33 || s[i] > 126 {
			return false
		}
	}
	return true
}

// sdValue prepares an SD-PARAM value: valid UTF-8, control characters
// (newlines included, which would end an LF-framed message) replaced by a
// space, at most sdValueMax bytes. The RFC 5424 escaping of '"', '\' and
// ']' is appendSDParam's.
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
func cutUTF8[S ~string | ~[]byte](s S, n int) S {
	if n <= 0 {
		return s[:0]
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
func appendCEFHeader(b []byte, s string) []byte { return appendCEFEscaped(b, s, '|', false) }

// appendCEFValue appends a CEF extension value: '\' and '=' are escaped with
// a backslash, CR and LF are written as \r and \n, other control characters
// become spaces. Pipes need no escaping in extensions.
func appendCEFValue(b []byte, s string) []byte { return appendCEFEscaped(b, s, '=', true) }

// appendCEFEscaped appends s made valid UTF-8 with '\' and sep escaped by
// a backslash, CR and LF written as \r and \n when lines is set, and other
// control characters (CR and LF too, without lines) as spaces.
func appendCEFEscaped(b []byte, s string, sep byte, lines bool) []byte {
	s = toValidUTF8(s)
	run := 0 // s[run:i] needs no change
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == sep:
			b = append(append(b, s[run:i]...), '\\', c)
		case lines && c == '\n':
			b = append(append(b, s[run:i]...), '\\', 'n')
		case lines && c == '\r':
			b = append(append(b, s[run:i]...), '\\', 'r')
		case c < 0x20 || c == 0x7f:
			b = append(append(b, s[run:i]...), ' ')
		default:
			continue
		}
		run = i + 1
	}
	return append(b, s[run:]...)
}

// toValidUTF8 is strings.ToValidUTF8(s, "\uFFFD"), checked first with
// utf8.ValidString, whose ASCII fast path makes the common case cheap.
func toValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
