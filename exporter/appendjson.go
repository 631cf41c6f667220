package exporter

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// The state file stores every snapshot and record as JSON. Encoding them
// by reflection (encoding/json) is most of a backfill's commit CPU, so the
// two shapes written per alert have hand-written encoders here whose bytes
// are exactly encoding/json's (the tests compare them). Anything unusual
// (a record carrying raw JSON, a time encoding/json refuses) reports !ok,
// and the caller falls back to encoding/json.

// AppendJSON appends s as encoding/json would marshal it; ok is false when
// it cannot, and then b is returned unchanged.
func (s *Snapshot) AppendJSON(b []byte) (_ []byte, ok bool) {
	start := len(b)
	b = append(b, `{"s":`...)
	b = appendString(b, s.State)
	b = optString(b, `,"v":`, s.Severity)
	b = optString(b, `,"r":`, s.SeverityRaw)
	if s.Bypassed {
		b = append(b, `,"b":true`...)
	}
	b = append(b, `,"u":`...)
	if b, ok = appendTime(b, s.UpdatedAt); !ok {
		return b[:start], false
	}
	if !s.ClosedAt.IsZero() {
		b = append(b, `,"c":`...)
		if b, ok = appendTime(b, s.ClosedAt); !ok {
			return b[:start], false
		}
	}
	b = optString(b, `,"t":`, s.Title)
	b = optString(b, `,"h":`, s.HTMLURL)
	b = optString(b, `,"y":`, s.Validity)
	if s.PubliclyLeaked {
		b = append(b, `,"p":true`...)
	}
	if len(s.Assignees) > 0 {
		b = append(b, `,"a":[`...)
		for i, a := range s.Assignees {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, a)
		}
		b = append(b, ']')
	}
	if s.Tracks != 0 {
		b = append(b, `,"k":`...)
		b = strconv.AppendInt(b, int64(s.Tracks), 10)
	}
	return append(b, '}'), true
}

// AppendJSON appends r as encoding/json would marshal it; ok is false when
// it cannot here (an audit record, raw JSON, a time outside RFC 3339), and
// then b is returned unchanged.
func (r *Record) AppendJSON(b []byte) (_ []byte, ok bool) {
	if r.Audit != nil || r.Raw != nil {
		return b, false // RawMessage is compacted and escaped: encoding/json's job
	}
	start := len(b)
	b = append(b, `{"schema":`...)
	b = strconv.AppendInt(b, int64(r.Schema), 10)
	b = append(b, `,"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"time":`...)
	if b, ok = appendTime(b, r.Time); !ok {
		return b[:start], false
	}
	b = append(b, `,"observed_at":`...)
	if b, ok = appendTime(b, r.ObservedAt); !ok {
		return b[:start], false
	}
	b = append(b, `,"category":`...)
	b = appendString(b, string(r.Category))
	b = append(b, `,"source":`...)
	b = appendString(b, string(r.Source))
	b = append(b, `,"action":`...)
	b = appendString(b, r.Action)
	b = append(b, `,"origin":`...)
	b = appendString(b, string(r.Origin))
	b = optString(b, `,"enterprise":`, r.Enterprise)
	b = optString(b, `,"org":`, r.Org)
	b = optString(b, `,"repo":`, r.Repo)
	b = optString(b, `,"actor":`, r.Actor)
	if a := r.Alert; a != nil {
		b = append(b, `,"alert":{"number":`...)
		b = strconv.AppendInt(b, int64(a.Number), 10)
		b = append(b, `,"state":`...)
		b = appendString(b, a.State)
		b = optString(b, `,"previous_state":`, a.PreviousState)
		b = optString(b, `,"severity":`, a.Severity)
		b = optString(b, `,"severity_raw":`, a.SeverityRaw)
		b = optString(b, `,"title":`, a.Title)
		b = optString(b, `,"rule_id":`, a.RuleID)
		b = optString(b, `,"ghsa_id":`, a.GHSAID)
		b = optString(b, `,"cve_id":`, a.CVEID)
		b = appendCVSS(b, `,"cvss_v3":`, a.CVSSv3)
		b = appendCVSS(b, `,"cvss_v4":`, a.CVSSv4)
		b = optString(b, `,"secret_type":`, a.SecretType)
		b = optString(b, `,"package":`, a.Package)
		b = optString(b, `,"ecosystem":`, a.Ecosystem)
		b = optString(b, `,"manifest":`, a.Manifest)
		b = optString(b, `,"tool":`, a.Tool)
		b = optString(b, `,"reason":`, a.Reason)
		b = optString(b, `,"comment":`, a.Comment)
		b = optString(b, `,"validity":`, a.Validity)
		b = optString(b, `,"previous_validity":`, a.PreviousValidity)
		b = optString(b, `,"assignee":`, a.Assignee)
		b = optString(b, `,"html_url":`, a.HTMLURL)
		for _, t := range []struct {
			name string
			at   *time.Time
		}{{`,"created_at":`, a.CreatedAt}, {`,"updated_at":`, a.UpdatedAt}} {
			if t.at == nil {
				continue
			}
			b = append(b, t.name...)
			if b, ok = appendTime(b, *t.at); !ok {
				return b[:start], false
			}
		}
		b = append(b, '}')
	}
	return append(b, '}'), true
}

// appendCVSS appends a CVSS member unless c is nil. A score is 0–10 with
// a decimal or two, which 'f' formatting renders as encoding/json does.
func appendCVSS(b []byte, name string, c *CVSS) []byte {
	if c == nil {
		return b
	}
	b = append(b, name...)
	b = append(b, `{"score":`...)
	b = strconv.AppendFloat(b, c.Score, 'f', -1, 64)
	b = optString(b, `,"vector_string":`, c.Vector)
	return append(b, '}')
}

func optString(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	return appendString(append(b, name...), s)
}

// appendTime is time.Time's MarshalJSON: RFC 3339 with nanoseconds, which
// refuses years outside 0–9999 and offsets with seconds.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, false
	}
	if _, off := t.Zone(); off%60 != 0 || off >= 24*3600 || off <= -24*3600 {
		return b, false // encoding/json's own rules decide these
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does by default: HTML-sensitive
// <, > and & escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029
// escaped for JavaScript.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
