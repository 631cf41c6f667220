package syslog

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/leodido/go-syslog/v4/rfc5424"
)

// cefExpect is what a CEF reader must get back for s: valid UTF-8, control
// characters other than CR and LF (which are escaped) turned into spaces;
// header fields have CR and LF as spaces too.
func cefExpect(s string, header bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 || c == 0x7f) && (header || c != '\n' && c != '\r') {
			c = ' '
		}
		b.WriteByte(c)
	}
	return b.String()
}

// jsonExpect is what a JSON reader gets back for s (encoding/json replaces
// each invalid UTF-8 byte).
func jsonExpect(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

// FuzzFormatter_RFC5424 renders a record whose free-text fields are
// arbitrary, as RFC 5424 with a JSON or a CEF body, under a random
// max_message_size. The message must always parse back with go-syslog's
// strict RFC 5424 parser, hold no raw CR or LF (LF framing), be valid UTF-8,
// carry the sanitized values in its SD element, and, when not truncated,
// carry a body that parses back to the same values.
func FuzzFormatter_RFC5424(f *testing.F) {
	n := nastyRecord()
	f.Add(n.Actor, n.Repo, n.Action, n.Alert.Title, n.Alert.Comment, false, uint16(0))
	f.Add(n.Actor, n.Repo, n.Action, n.Alert.Title, n.Alert.Comment, true, uint16(0))
	f.Add(`a\"b\]`, "o/r", "dismissed", "|\\|=", "\\=\n", true, uint16(100))
	f.Add("", "", "", "", "", true, uint16(0))
	f.Add("\xff\xfe", "\x00", "ü\x7f", "\r", "x=y\\", false, uint16(1))
	f.Add(strings.Repeat("é", 300), strings.Repeat("]", 300), strings.Repeat("a", 40), strings.Repeat("日", 900), strings.Repeat("=", 3000), true, uint16(10))
	f.Fuzz(func(t *testing.T, actor, repo, action, title, comment string, cef bool, size uint16) {
		max := minMessageSize + int(size)
		fm := testFormatter(t, func(c *Config) {
			c.MaxMessageSize = max
			if cef {
				c.Body = BodyCEF
			}
		})
		rec := sampleRecords()["dependabot_dismissed"]
		rec.Alert.Title, rec.Alert.Comment = title, comment
		rec.Actor, rec.Repo, rec.Action = actor, repo, action
		b, err := fm.appendMessage(nil, &rec)
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		msg := string(b)
		if len(msg) > max || strings.ContainsAny(msg, "\r\n") || !utf8.ValidString(msg) {
			t.Fatalf("%d bytes (max %d), CR/LF or invalid UTF-8: %q", len(msg), max, msg)
		}
		parsed, err := rfc5424.NewParser().Parse(b)
		if err != nil {
			t.Fatalf("strict RFC 5424 parser refuses %q: %v", msg, err)
		}
		m := parsed.(*rfc5424.SyslogMessage)
		got := "-" // the parser reads the NILVALUE as nil
		if m.MsgID != nil {
			got = *m.MsgID
		}
		if want := headerToken(action, maxMsgID); got != want {
			t.Errorf("MSGID %q, want %q", got, want)
		}
		if m.StructuredData != nil {
			sd := (*m.StructuredData)[fm.sdID]
			for k, v := range map[string]string{"actor": actor, "repo": repo, "action": action} {
				if got, ok := sd[k]; ok != (v != "") || ok && got != sdValue(v) {
					t.Errorf("SD %s = %q (present %v), want %q", k, got, ok, sdValue(v))
				}
			}
		}
		body := ""
		if m.Message != nil {
			body = *m.Message
		}
		if strings.HasSuffix(body, TruncationMarker) {
			return // cut to size: only the syslog layer must hold
		}
		if !cef {
			var back struct {
				Actor, Repo, Action string
				Alert               struct{ Title, Comment string }
			}
			if err := json.Unmarshal([]byte(body), &back); err != nil {
				t.Fatalf("JSON body does not parse: %v\n%q", err, body)
			}
			if back.Actor != jsonExpect(actor) || back.Repo != jsonExpect(repo) || back.Alert.Comment != jsonExpect(comment) {
				t.Errorf("JSON body changed values: %+v", back)
			}
			return
		}
		ev, err := parseCEF(body)
		if err != nil {
			t.Fatalf("CEF body does not parse: %v\n%q", err, body)
		}
		name := title
		if name == "" {
			name = string(rec.Source) + " " + action
		}
		if ev.Header[5] != cefExpect(name, true) {
			t.Errorf("CEF name %q, want %q", ev.Header[5], cefExpect(name, true))
		}
		for k, v := range map[string]string{"suser": actor, "cs1": repo, "act": action, "msg": comment} {
			if got, ok := ev.Ext[k]; ok != (v != "") || ok && got != cefExpect(v, false) {
				t.Errorf("CEF %s = %q (present %v), want %q", k, got, ok, cefExpect(v, false))
			}
		}
	})
}
