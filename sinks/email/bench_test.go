package email

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
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

func seedOpenN(b *testing.B, db *state.DB, n int) {
	b.Helper()
	if err := db.Update(func(tx *state.Tx) error {
		for i := range n {
			k := exporter.AlertKey{Source: exporter.AlertSources[i%3], Repo: fmt.Sprintf("acme/repo-%03d", i%200), Number: i}
			if err := tx.PutSnapshot(k, exporter.Snapshot{State: "open", Severity: []string{"critical", "high", "medium", "low"}[i%4], UpdatedAt: base}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDigest100k stores 100,000 transitions through Send (batches of
// 500, as the delivery loop sends them) into a real state file, then
// measures building, rendering and encoding their digest; it reports the
// mail's size and the stored key+value bytes per record.
func BenchmarkDigest100k(b *testing.B) {
	const n = 100_000
	db := openState(b, "")
	seedOpenN(b, db, 20_000)
	clk := &clock{t: base.Add(-24 * time.Hour)}
	s := newSink(b, offlineConfig(), db, clk.Now)
	recs := synthetic(n)
	for i := 0; i < n; i += 500 {
		if err := s.Send(context.Background(), recs[i:i+500]); err != nil {
			b.Fatal(err)
		}
	}
	clk.Set(base)
	sp, err := s.store.cut(clk.Now())
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	var d *Digest
	b.ResetTimer()
	for b.Loop() {
		if d, err = s.buildDigest(sp); err != nil {
			b.Fatal(err)
		}
		r, err := s.tmpl.digest(d)
		if err != nil {
			b.Fatal(err)
		}
		msg, err := s.mailer.message(r, clk.Now())
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if size, err = msg.WriteTo(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if d.New != n {
		b.Fatalf("digest counted %d events, want %d", d.New, n)
	}
	var stored int
	if err := db.SinkView(s.name, func(kv exporter.KV) error {
		return kv.ForEach(prefDigest, func(k, v []byte) error { stored += len(k) + len(v); return nil })
	}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(size), "mail-bytes")
	b.ReportMetric(float64(stored)/n, "stored-bytes/record")
}

// BenchmarkSend measures appending one delivery batch of 500 records.
func BenchmarkSend(b *testing.B) {
	db := openState(b, "")
	s := newSink(b, offlineConfig(), db, nil)
	recs := synthetic(500)
	for b.Loop() {
		if err := s.Send(context.Background(), recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}
