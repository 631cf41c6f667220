package ocsf

import (
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
)

// benchRecords are the figures' records: a typical alert transition (a
// Dependabot dismissal), a small audit record (repo.create, as most
// entries are) and a large one (GitHub's documented pull_request.merge,
// with location and request data).
func benchRecords(b *testing.B) map[string]*exporter.Record {
	recs := alertRecords()
	out := map[string]*exporter.Record{}
	for i := range recs {
		if r := &recs[i]; r.Source == exporter.SourceDependabot && r.Action == exporter.ActionDismissed && out["alert"] == nil {
			out["alert"] = r
		}
	}
	audit := auditRecords(b)
	for i := range audit {
		r := &audit[i]
		switch {
		case r.Action == "repo.create" && out["audit_small"] == nil:
			out["audit_small"] = r
		case r.Action == "pull_request.merge" && out["audit_large"] == nil:
			out["audit_large"] = r
		}
	}
	if len(out) != 3 {
		b.Fatalf("figure records missing: %v", out)
	}
	return out
}

// BenchmarkMarshal is Marshal's cost per record; it reports the OCSF
// event's size and the normalized record's (as the outbox stores it) for
// the same record.
func BenchmarkMarshal(b *testing.B) {
	for _, name := range []string{"alert", "audit_small", "audit_large"} {
		rec := benchRecords(b)[name]
		b.Run(name, func(b *testing.B) {
			ev, err := Marshal(rec)
			if err != nil {
				b.Fatal(err)
			}
			norm, err := recordjson.MarshalRecord(rec)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Marshal(rec); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(ev)), "ocsf-B")
			b.ReportMetric(float64(len(norm)), "record-B")
		})
	}
}
