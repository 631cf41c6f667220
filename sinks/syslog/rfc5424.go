package syslog

import (
	"fmt"
	"strconv"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// rfc5424Time is TIMESTAMP's layout: RFC 3339 with at most microseconds
// (RFC 5424 allows six digits), trailing zeros dropped, always "Z" since
// eventTime is UTC.
const rfc5424Time = "2006-01-02T15:04:05.999999Z07:00"

// appendRFC5424 appends `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
// [SD] MSG` to dst. It writes straight into dst: the go-syslog builder it
// replaces cost ~80 allocations per message, and its output (parameters
// sorted by name, values escaped) is what this reproduces byte for byte;
// TestRFC5424_MatchesBuilder holds the two equal. hostname, appName and
// procID are validated or sanitized once, in newFormatter.
func (f *formatter) appendRFC5424(dst []byte, rec *exporter.Record, body []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, '<')
	dst = strconv.AppendUint(dst, uint64(f.pri(rec)), 10)
	dst = append(dst, ">1 "...)
	dst = eventTime(rec).AppendFormat(dst, rfc5424Time)
	dst = append(dst, ' ')
	dst = append(dst, f.hostname...)
	dst = append(dst, ' ')
	dst = append(dst, f.appName...)
	dst = append(dst, ' ')
	dst = append(dst, f.procID...)
	dst = append(dst, ' ')
	dst = appendHeaderToken(dst, rec.Action, maxMsgID)
	dst = append(dst, ' ')
	sdStart := len(dst)
	dst = f.appendSD(dst, rec)
	head := len(dst) + 1 - start // header, SD and the space before MSG
	if head+len(body) <= f.max {
		dst = append(dst, ' ')
		return append(dst, body...), nil
	}
	if f.reject {
		return dst[:start], fmt.Errorf("record %s: %w (%d > %d bytes)", rec.ID, errOversize, head+len(body), f.max)
	}
	room := f.max - head - len(TruncationMarker)
	if room < 0 {
		// The SD element alone fills the message (hostile values escape to
		// twice their size): keep header and body, not SD.
		dst = append(dst[:sdStart], '-')
		head = len(dst) + 1 - start
		room = f.max - head - len(TruncationMarker)
	}
	dst = append(dst, ' ')
	dst = append(dst, cutUTF8(body, room)...)
	return append(dst, TruncationMarker...), nil
}

// appendSD appends the ghsec SD element. Its parameters are in byte order
// of their names (names are case-sensitive: alertNumber); empty ones are
// left out. observedAt and origin are there only when the body is an
// audit entry (audit_body: entry).
func (f *formatter) appendSD(dst []byte, rec *exporter.Record) []byte {
	dst = append(dst, '[')
	dst = append(dst, f.sdID...)
	dst = appendSDParam(dst, "action", rec.Action)
	dst = appendSDParam(dst, "actor", rec.Actor)
	if a := rec.Alert; a != nil {
		// a number is never empty and never needs escaping
		dst = append(dst, ` alertNumber="`...)
		dst = strconv.AppendInt(dst, int64(a.Number), 10)
		dst = append(dst, '"')
	}
	dst = appendSDParam(dst, "category", string(rec.Category))
	dst = appendSDParam(dst, "enterprise", rec.Enterprise)
	dst = appendSDParam(dst, "id", rec.ID)
	if m := f.meta; m != nil {
		// the body is GitHub's entry alone: what else of our record
		// identifies the event rides here
		dst = appendSDParam(dst, "observedAt", m.ObservedAt.Format(rfc5424Time))
	}
	dst = appendSDParam(dst, "org", rec.Org)
	if m := f.meta; m != nil {
		dst = appendSDParam(dst, "origin", string(m.Origin))
	}
	dst = appendSDParam(dst, "repo", rec.Repo)
	if a := rec.Alert; a != nil {
		dst = appendSDParam(dst, "severity", a.Severity)
	}
	dst = appendSDParam(dst, "source", string(rec.Source))
	return append(dst, ']')
}

// sdParamNames lists appendSD's parameters in the order it writes them.
var sdParamNames = []string{
	"action", "actor", "alertNumber", "category", "enterprise", "id", "observedAt", "org", "origin", "repo", "severity", "source",
}

// appendSDParam appends ` name="value"` unless v is empty, the value
// sanitized by sdValue and escaped as RFC 5424 6.3.3 says: '"', '\' and ']'
// get a backslash.
func appendSDParam(dst []byte, name, v string) []byte {
	if v == "" {
		return dst
	}
	if !isCleanText(v) || len(v) > sdValueMax {
		v = sdValue(v)
	}
	dst = append(dst, ' ')
	dst = append(dst, name...)
	dst = append(dst, '=', '"')
	run := 0
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '"' || c == '\\' || c == ']' {
			dst = append(dst, v[run:i]...)
			dst = append(dst, '\\', c)
			run = i + 1
		}
	}
	dst = append(dst, v[run:]...)
	return append(dst, '"')
}
