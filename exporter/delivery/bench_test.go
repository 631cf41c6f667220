package delivery

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// nullSink takes stored bytes, prepared, and sends nowhere: what is left
// of a drain is the delivery loop's own cost.
type nullSink struct{}

func (nullSink) Send(context.Context, []exporter.Record) error         { return nil }
func (nullSink) SendRaw(context.Context, []exporter.RawRecord) error   { return nil }
func (nullSink) PrepareRaw([]exporter.RawRecord) exporter.PreparedSend { return nullSend{} }
func (nullSink) Close() error                                          { return nil }

type nullSend struct{}

func (nullSend) Send(context.Context) error { return nil }

// BenchmarkDeliverer_Overhead is the delivery loop's own cost a record:
// reading the outbox, checking each entry's head, acking the batch
// (NoSync, as the sink figures run), with a sink that sends nowhere.
// cpu-ns/record is the process's CPU (the loop's three goroutines and the
// garbage collector) during the drains: steadier than the wall time on a
// busy machine.
func BenchmarkDeliverer_Overhead(b *testing.B) {
	const n = 20_000
	rec := func(i int) exporter.Record {
		at := t0.Add(time.Duration(i) * time.Second)
		return exporter.Record{Schema: 1, ID: fmt.Sprintf("%032x", i), Time: at, ObservedAt: at,
			Category: exporter.CategoryAlert, Source: exporter.SourceDependabot, Action: exporter.ActionDismissed,
			Origin: exporter.OriginPoll, Org: "acme", Repo: "acme/api", Actor: "octocat",
			Alert: &exporter.AlertInfo{Number: i + 1, State: "dismissed", PreviousState: "open", Severity: "high",
				Title: "Prototype pollution in lodash", GHSAID: "GHSA-p6mc-m468-83gw", CVEID: "CVE-2020-8203",
				Package: "lodash", Ecosystem: "npm", Manifest: "package-lock.json", Reason: "tolerable_risk",
				Comment: "only used in build tooling", HTMLURL: "https://github.com/acme/api/security/dependabot/1"}}
	}
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		db, err := state.Open(filepath.Join(b.TempDir(), "state.db"), state.Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		for start := 0; start < n; start += 5000 {
			recs := make([]exporter.Record, 0, 5000)
			for i := start; i < start+5000; i++ {
				recs = append(recs, rec(i))
			}
			if err := db.Update(func(tx *state.Tx) error { return tx.Append(testSink, recs...) }); err != nil {
				b.Fatal(err)
			}
		}
		d := &Deliverer{DB: db, Name: testSink, Sink: nullSink{}, BatchSize: 500}
		b.StartTimer()
		c0 := testtools.CPUTime()
		if err := d.Drain(context.Background()); err != nil {
			b.Fatal(err)
		}
		cpu += testtools.CPUTime() - c0
		b.StopTimer()
		if h := d.Health(); h.Delivered != n {
			b.Fatalf("health %+v", h)
		}
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/record")
}
