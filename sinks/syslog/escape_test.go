package syslog

import (
	"fmt"
	"strings"
	"testing"
)

func TestHeaderToken(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "-"},
		{"dismissed", "dismissed"},
		{"secret_scanning_alert.resolve", "secret_scanning_alert.resolve"},
		{"with space", "with_space"},
		{"tab\tnew\nline", "tab_new_line"},
		{"ünïcødé", "_n_c_d_"},
		{"日本", "__"},
		{`quote"bracket]eq=`, `quote"bracket]eq=`}, // all PRINTUSASCII: legal in MSGID
		{"repository_vulnerability_alert.dismiss", "repository_vulnerability_alert.d"},
		{strings.Repeat("é", 40), strings.Repeat("_", 32)},
	} {
		if got := headerToken(tc.in, 32); got != tc.want {
			t.Errorf("headerToken(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestSDEscaping renders nasty values in the SD element and checks both the
// exact wire form (RFC 5424 6.3.3: '"', '\' and ']' escaped with '\') and
// that go-syslog's parser reads back the sanitized value.
func TestSDEscaping(t *testing.T) {
	for _, tc := range []struct {
		name, in, wire, parsed string
	}{
		{"plain", "monalisa", `monalisa`, "monalisa"},
		{"quote", `a"b`, `a\"b`, `a"b`},
		{"backslash", `a\b`, `a\\b`, `a\b`},
		{"bracket", `a]b`, `a\]b`, `a]b`},
		{"escaped-looking", `a\"b\]`, `a\\\"b\\\]`, `a\"b\]`},
		{"injection", `x"] [evil@1 a="b`, `x\"\] [evil@1 a=\"b`, `x"] [evil@1 a="b`},
		{"equals and pipe", `k=v|w`, `k=v|w`, `k=v|w`},
		{"newline", "a\nb\r\nc", `a b  c`, "a b  c"},
		{"control", "a\x00b\x1bc\x7f", `a b c `, "a b c "},
		{"non-ascii", "ünïcødé 日本", `ünïcødé 日本`, "ünïcødé 日本"},
		{"invalid utf-8", "a\xffb", "a\uFFFDb", "a\uFFFDb"},
		{"trailing backslash", `end\`, `end\\`, `end\`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := testFormatter(t, nil)
			rec := sampleRecords()["dependabot_dismissed"]
			rec.Actor = tc.in
			msg := render(t, f, rec)
			if want := ` actor="` + tc.wire + `" `; !strings.Contains(msg, want) {
				t.Errorf("wire form: want %s in\n%s", want, msg)
			}
			m := parse5424(t, msg)
			if got := (*m.StructuredData)["ghsec@32473"]["actor"]; got != tc.parsed {
				t.Errorf("parsed actor = %q, want %q", got, tc.parsed)
			}
		})
	}
}

func TestSDValue_Empty_And_Long(t *testing.T) {
	f := testFormatter(t, nil)
	rec := sampleRecords()["dependabot_dismissed"]
	rec.Actor = ""
	rec.Repo = strings.Repeat("r", 500)
	m := parse5424(t, render(t, f, rec))
	sd := (*m.StructuredData)["ghsec@32473"]
	if _, ok := sd["actor"]; ok {
		t.Errorf("empty actor was sent: %q", sd["actor"])
	}
	if r := sd["repo"]; len(r) != sdValueMax || !strings.HasSuffix(r, TruncationMarker) {
		t.Errorf("long repo: len %d, %q…", len(r), r[len(r)-20:])
	}
}

func TestCEFHeaderEscaping(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Prototype Pollution", "Prototype Pollution"},
		{"a|b", `a\|b`},
		{`a\b`, `a\\b`},
		{`\|`, `\\\|`},
		{"a=b", "a=b"}, // '=' needs no escaping in the header
		{"line\nbreak\r", "line break "},
		{"ünïcødé 日本", "ünïcødé 日本"},
		{"bad\xff", "bad\uFFFD"},
	} {
		if got := string(appendCEFHeader(nil, tc.in)); got != tc.want {
			t.Errorf("header %q = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCEFValueEscaping(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"a=b", `a\=b`},
		{`a\b`, `a\\b`},
		{`\=`, `\\\=`},
		{"a|b", "a|b"}, // pipes are literal in extensions
		{"l1\nl2\r\n", `l1\nl2\r\n`},
		{"tab\there", "tab here"},
		{`"quoted" ]`, `"quoted" ]`},
		{"ünïcødé 日本", "ünïcødé 日本"},
		{"bad\xff", "bad\uFFFD"},
	} {
		if got := string(appendCEFValue(nil, tc.in)); got != tc.want {
			t.Errorf("value %q = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCEF_RoundTrip parses the CEF body of a record full of nasty values
// back with a reference CEF reader and compares every field.
func TestCEF_RoundTrip(t *testing.T) {
	f := testFormatter(t, func(c *Config) { c.Body = BodyCEF })
	rec := nastyRecord()
	msg := render(t, f, rec)
	if strings.ContainsAny(msg, "\r\n") {
		t.Fatalf("line break in message: %q", msg)
	}
	m := parse5424(t, msg)
	ev, err := parseCEF(*m.Message)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"0", "GitHub", "ghsec-exporter", "1.2.3", "dependabot.dismissed with spaces and ünï",
		"pipe|back\\slash \"quoted\" ]bracket= eq newline ünïcødé 日本", "8"}
	for i, w := range want {
		if ev.Header[i] != w {
			t.Errorf("header[%d] = %q, want %q", i, ev.Header[i], w)
		}
	}
	for k, w := range map[string]string{
		"suser": rec.Actor, "cs1": rec.Repo, "cs1Label": "repo", "msg": rec.Alert.Comment,
		"act": rec.Action, "cn1": "2", "externalId": rec.ID, "rt": "1714573267000",
	} {
		if ev.Ext[k] != w {
			t.Errorf("ext %s = %q, want %q", k, ev.Ext[k], w)
		}
	}
	if _, ok := ev.Ext["reason"]; ok {
		t.Errorf("empty reason was sent")
	}
}

// cefEvent is a parsed CEF:0 line.
type cefEvent struct {
	Header [7]string // version … severity, unescaped
	Ext    map[string]string
}

// parseCEF is an independent CEF reader for tests: header fields split on
// unescaped '|', extensions on " key=" boundaries, escapes undone.
func parseCEF(s string) (cefEvent, error) {
	var ev cefEvent
	if !strings.HasPrefix(s, "CEF:") {
		return ev, fmt.Errorf("no CEF: prefix in %q", s)
	}
	s = s[len("CEF:"):]
	var cur strings.Builder
	field := 0
	i := 0
	for ; i < len(s) && field < 7; i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '|':
			ev.Header[field] = cur.String()
			cur.Reset()
			field++
		default:
			cur.WriteByte(c)
		}
	}
	if field != 7 {
		return ev, fmt.Errorf("CEF header has %d fields", field)
	}
	ev.Ext = map[string]string{}
	rest := s[i:]
	// Split into key=value pairs: a key is [A-Za-z0-9]+ directly followed by
	// an unescaped '='; it starts the string or follows a space.
	type kv struct{ k, v string }
	var pairs []kv
	start := 0
	for j := 0; j < len(rest); j++ {
		if rest[j] == '\\' {
			j++
			continue
		}
		if rest[j] != '=' {
			continue
		}
		k := j
		for k > 0 && isAlnum(rest[k-1]) {
			k--
		}
		if k == j || (k > 0 && rest[k-1] != ' ') {
			return ev, fmt.Errorf("unescaped '=' inside a value at %d: %q", j, rest)
		}
		if len(pairs) > 0 {
			pairs[len(pairs)-1].v = rest[start:max(k-1, start)]
		}
		pairs = append(pairs, kv{k: rest[k:j]})
		start = j + 1
	}
	if len(pairs) > 0 {
		pairs[len(pairs)-1].v = rest[start:]
	}
	for _, p := range pairs {
		ev.Ext[p.k] = unescapeCEFValue(p.v)
	}
	return ev, nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func unescapeCEFValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
