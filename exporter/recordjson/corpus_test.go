package recordjson_test

import (
	"encoding/json"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// The corpus: records and snapshots with hostile strings (quotes, HTML,
// control characters, invalid UTF-8, U+2028) and times (nanoseconds,
// offsets with seconds or past a day, years outside 0–9999), built the same
// way on every run. testdata/*.jsonl hold what the hand-written encoder this
// package replaced wrote for them, one line each ("null" where it refused).

var corpusStrings = []string{"", "plain", `q"uote\back`, "<a href='x'>&amp;</a>", "ctl\x00\x01\x1f\b\f\n\r\t\x7f",
	"utf8 é 日本 🎉", "bad \xff\xfe utf8 \xc3", "js \u2028 \u2029", "trunc\xe2\x80"}

func corpusTimes() []time.Time {
	zones := []*time.Location{time.UTC, time.FixedZone("x", -5*3600-30*60), time.FixedZone("s", 3600+7), time.FixedZone("far", 25*3600)}
	var out []time.Time
	for i := range corpusStrings {
		for j, at := range []time.Time{time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), time.Date(2026, 1, 5, 9, 0, 0, 123456789, time.UTC),
			time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)} {
			out = append(out, time.Date(at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), at.Second(), at.Nanosecond(), zones[(i+j)%len(zones)]))
		}
	}
	return out
}

// corpus returns the records and snapshots of the golden files, in order.
func corpus() ([]exporter.Record, []exporter.Snapshot) {
	var recs []exporter.Record
	var snaps []exporter.Snapshot
	times := corpusTimes()
	for i, at := range times {
		s := corpusStrings[i/4]
		flag := i%2 == 0
		o := exporter.Observation{
			Key: exporter.AlertKey{Source: exporter.AlertSources[i%3], Repo: "acme/" + s, Number: i}, Org: "acme", Enterprise: s,
			State: "resolved", Severity: exporter.SeverityHigh, SeverityRaw: s, Title: s, RuleID: s, GHSAID: s, CVEID: s,
			SecretType: s, Package: s, Ecosystem: s, Manifest: s, Tool: s, Reason: s, Comment: s, Validity: s,
			HTMLURL: s, CreatedAt: at.Add(-time.Hour), UpdatedAt: at, ClosedAt: at, ClosedBy: s,
			Bypassed: flag, BypassedAt: at, BypassedBy: s, PubliclyLeaked: flag, Assignees: []string{s, "b"},
		}
		snap := o.Snapshot()
		snaps = append(snaps, snap, exporter.Snapshot{State: s, UpdatedAt: at}, exporter.Snapshot{State: "open", UpdatedAt: at, Assignees: []string{}})
		prev := exporter.Snapshot{State: "open", Validity: "active", Assignees: []string{"z"}, Tracks: exporter.SnapshotTracks, UpdatedAt: at.Add(-2 * time.Hour)}
		recs = append(recs, exporter.Diff(nil, &o, exporter.OriginBackfill, at)...)
		recs = append(recs, exporter.Diff(&prev, &o, exporter.OriginPoll, at)...)
		recs = append(recs, exporter.Withdraw(o.Key, snap, s, s, exporter.OriginReconcile, at))
		entry, _ := json.Marshal(map[string]any{"_document_id": s, "action": s, "n": i, "nested": []any{s, 1.5, nil, true}})
		recs = append(recs, exporter.Record{
			Schema: exporter.SchemaVersion, ID: exporter.AuditRecordID(s), Time: at, ObservedAt: at,
			Category: exporter.CategoryAudit, Source: exporter.SourceAuditLog, Action: s, Origin: exporter.OriginPoll, Org: "acme", Actor: s,
			Audit: &exporter.AuditInfo{Action: s, DocumentID: s, Entry: json.RawMessage(" \n" + string(entry) + "\t")},
		})
		withRaw := recs[len(recs)-2]
		withRaw.Raw = json.RawMessage(`{ "title" : ` + string(must(json.Marshal(s))) + `, "html": "<&>" }`)
		recs = append(recs, withRaw)
	}
	recs = append(recs, exporter.Record{})
	snaps = append(snaps, exporter.Snapshot{})
	return recs, snaps
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// snapKey is the key the golden state file keeps snapshot i under.
func snapKey(i int) exporter.AlertKey {
	return exporter.AlertKey{Source: exporter.SourceSecretScanning, Repo: "acme/golden", Number: i}
}
