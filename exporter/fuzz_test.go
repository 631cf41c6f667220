package exporter_test

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
)

// FuzzParseRetryAfter: any Retry-After value gives a wait in
// [0, MaxRetryAfter], or none.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "30", "0", "-1", "+5", "Mon, 05 Jan 2026 09:01:00 GMT", "Monday, 05-Jan-26 09:01:00 GMT",
		"Mon Jan  5 09:01:00 2026", "99999999999999999999", "9223372036", "1e3", " 7 ", "Fri, 31 Dec 9999 23:59:59 GMT"} {
		f.Add(s)
	}
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := exporter.ParseRetryAfter(v, now)
		if d < 0 || d > exporter.MaxRetryAfter || (!ok && d != 0) {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v", v, d, ok)
		}
	})
}

// FuzzDiff: for any previous and current state, severity and times, the
// diff names an action on every record, and when the states are states
// (decode refuses anything else) every record satisfies the schema.
func FuzzDiff(f *testing.F) {
	states := []string{"open", "dismissed", "fixed", "auto_dismissed", "resolved", "in_review", "", "null", "Open!"}
	for i, p := range states {
		for j, c := range states {
			f.Add(uint8(i%3), p, c, "high", "low", int64(i*3600), int64(j*7200), i%2 == 0, j%3 == 0)
		}
	}
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, src uint8, prevState, curState, prevSev, curSev string, prevClosed, curClosed int64, seen, bypassed bool) {
		at := func(s int64) time.Time {
			if s == 0 {
				return time.Time{}
			}
			return base.Add(time.Duration(s%(1<<40)) * time.Millisecond)
		}
		cur := &exporter.Observation{
			Key: exporter.AlertKey{Source: exporter.AlertSources[int(src)%3], Repo: "acme/widgets", Number: 7},
			Org: "acme", State: curState, Severity: exporter.NormalizeSeverity(curSev), SeverityRaw: curSev,
			CreatedAt: base, UpdatedAt: base.Add(time.Hour), ClosedAt: at(curClosed), Bypassed: bypassed, ClosedBy: "octocat",
		}
		var prev *exporter.Snapshot
		if seen {
			prev = &exporter.Snapshot{State: prevState, Severity: exporter.NormalizeSeverity(prevSev), ClosedAt: at(prevClosed)}
		}
		valid := exporter.WellFormedState(curState) && (prev == nil || prev.State == "" || exporter.WellFormedState(prev.State))
		for _, r := range exporter.Diff(prev, cur, exporter.OriginPoll, base.Add(48*time.Hour)) {
			if r.Action == "" {
				t.Fatalf("record without action: %+v", r)
			}
			if !valid {
				continue
			}
			b, err := json.Marshal(r)
			if err != nil || !utf8.Valid(b) {
				t.Fatalf("record does not encode as UTF-8 JSON: %v %q", err, b)
			}
			if err := recordschema.ValidateJSON(b); err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
		}
	})
}
