package email

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// synthetic returns n records spread over actions, sources, severities,
// repositories and audit actions the way a busy organization's day looks.
func synthetic(n int) []exporter.Record {
	actions := []string{exporter.ActionCreated, exporter.ActionFixed, exporter.ActionDismissed, exporter.ActionReopened,
		exporter.ActionResolved, exporter.ActionPushProtectionBypassed, exporter.ActionAutoDismissed}
	sevs := []string{"critical", "high", "medium", "low", ""}
	out := make([]exporter.Record, 0, n)
	for i := range n {
		at := base.Add(-time.Duration(i) * time.Second)
		repo := fmt.Sprintf("acme/repo-%03d", i%200)
		if i%10 == 9 {
			out = append(out, auditRec(fmt.Sprintf("org.action_%d", i%37), fmt.Sprintf("user%d", i%23), fmt.Sprintf("doc-%d", i), at))
			continue
		}
		src := exporter.AlertSources[i%3]
		out = append(out, alertRec(src, repo, i, actions[i%len(actions)], sevs[i%len(sevs)], at, func(r *exporter.Record) {
			r.Actor, r.Alert.Reason = fmt.Sprintf("user%d", i%23), "tolerable_risk"
			r.Alert.CreatedAt = ptr(at.Add(-time.Duration(i%500) * time.Hour))
		}))
	}
	return out
}

// BenchmarkSend measures appending one delivery batch of 500 new records.
func BenchmarkSend(b *testing.B) {
	db := openState(b, "")
	s := newSink(b, offlineConfig(), db, nil)
	recs := synthetic(500)
	next := 0
	for b.Loop() {
		// fresh ids: a batch sent again would be dropped as a redelivery
		for i := range recs {
			next++
			recs[i].ID = fmt.Sprintf("%032x", next)
		}
		if err := s.Send(context.Background(), recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}
