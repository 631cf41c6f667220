package ecs

import (
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
)

// BenchmarkMarshal renders typical records of each kind as ECS and, for
// the ratio, as the normalized record (recordjson, what the default
// format ships). Each reports the size of both: ecs-B and record-B.
func BenchmarkMarshal(b *testing.B) {
	cases := goldenCases(b)
	for _, name := range []string{"dependabot_created", "code_scanning_dismissed", "secret_bypassed", "dependabot_fixed_minimal",
		"audit_repo_destroy", "audit_org_add_member", "request_bypass_approved"} {
		rec := cases[name]
		doc, err := Marshal(&rec)
		if err != nil {
			b.Fatal(err)
		}
		stored, err := recordjson.MarshalRecord(&rec)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/ecs", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Marshal(&rec); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(doc)), "ecs-B")
			b.ReportMetric(float64(len(stored)), "record-B")
		})
		b.Run(name+"/record", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := recordjson.MarshalRecord(&rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
