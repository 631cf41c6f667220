package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/delivery"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// BenchmarkFigureKafka is the Kafka figure: N records (testtools.BenchSize)
// go from real state outboxes through the daemon's delivery loop
// (delivery.Deliverer, batches of 500) and the sink to an in-process kfake
// broker (six partitions, acks=all), and a bare franz-go loop produces the
// same messages (key, value, headers), 500 at a time waiting for every
// acknowledgement, with the sink's producer options, to the same broker:
// the ceiling. The two alternate in segments of 2,500 records (sink first,
// then raw first, …); after each segment the broker's log is truncated, so
// that neither side pays for the other's data. The broker runs in this
// process, so both rates and the peak heap include its work and its copy
// of one segment.
// Metric "ratio" is sink records/s ÷ raw records/s (goal ≥ 0.8); beside it
// both rates, CPU per 10k records of each, and the peak heap while the
// loop delivered. It fails if a record is not delivered.
//
//	GHSEC_BENCH_ALERTS=100000 go test -run '^$' -bench '^BenchmarkFigureKafka$' -benchtime 1x -count 3 ./sinks/kafka/
func BenchmarkFigureKafka(b *testing.B) {
	const segment, batch = 2500, 500
	n := testtools.BenchSize(2000)
	c := newCluster(b)
	cfg := testConfig(c)
	s := newSink(b, cfg)
	raw, err := kgo.NewClient(append(append([]kgo.Opt{}, s.conn...), producerOpts(cfg)...)...)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	truncate := func() {
		for _, t := range []string{topicAlerts, topicOther} {
			for _, p := range c.PartitionInfos(t) {
				if err := c.DeleteRecords(t, p.Partition, p.HighWatermark); err != nil {
					b.Fatal(err)
				}
			}
		}
		runtime.GC()
	}
	var sinkSecs, rawSecs float64
	var sinkCPU, rawCPU time.Duration
	var peak float64
	deliver := func(from, m int) {
		db := fillOutbox(b, from, m)
		defer db.Close()
		d := &delivery.Deliverer{DB: db, Name: "kafka", Sink: s, BatchSize: batch, Retry: &delivery.Retrier{Name: "kafka"}}
		truncate()
		stop := testtools.PeakHeap()
		t0, c0 := time.Now(), testtools.CPUTime()
		if err := d.Drain(context.Background()); err != nil {
			b.Fatalf("drain: %v", err)
		}
		sinkSecs += time.Since(t0).Seconds()
		sinkCPU += testtools.CPUTime() - c0
		peak = max(peak, stop())
		if h := d.Health(); h.Delivered != m || h.DeadLettered != 0 || h.Failures != 0 {
			b.Fatalf("delivery health %+v, want %d delivered and nothing else", h, m)
		}
	}
	produce := func(from, m int) {
		msgs := rawMessages(b, s, from, m)
		truncate()
		t0, c0 := time.Now(), testtools.CPUTime()
		for start := 0; start < len(msgs); start += batch {
			if err := raw.ProduceSync(context.Background(), msgs[start:min(start+batch, len(msgs))]...).FirstErr(); err != nil {
				b.Fatal(err)
			}
		}
		rawSecs += time.Since(t0).Seconds()
		rawCPU += testtools.CPUTime() - c0
	}
	runs := 0
	for b.Loop() {
		for from := 0; from < n; from += segment {
			m := min(segment, n-from)
			if (from/segment)%2 == 0 {
				deliver(from, m)
				produce(from, m)
			} else {
				produce(from, m)
				deliver(from, m)
			}
		}
		runs++
	}
	recs := float64(n * runs)
	b.ReportMetric(recs/sinkSecs, "sink-records/s")
	b.ReportMetric(recs/rawSecs, "raw-records/s")
	b.ReportMetric(rawSecs/sinkSecs, "ratio")
	b.ReportMetric(sinkCPU.Seconds()*1000/(recs/10000), "sink-cpu-ms/10k")
	b.ReportMetric(rawCPU.Seconds()*1000/(recs/10000), "raw-cpu-ms/10k")
	b.ReportMetric(peak, "peak-heap-MiB")
}

// fillOutbox appends records from..from+n-1 to a fresh state file.
func fillOutbox(b *testing.B, from, n int) *state.DB {
	db, err := state.Open(filepath.Join(b.TempDir(), "state.db"), state.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	recs := make([]exporter.Record, 0, n)
	for i := from; i < from+n; i++ {
		recs = append(recs, benchRecord(i))
	}
	if err := db.Update(func(tx *state.Tx) error { return tx.Append("kafka", recs...) }); err != nil {
		b.Fatal(err)
	}
	return db
}

// rawMessages builds the messages the sink produces for the same records,
// from the same stored JSON.
func rawMessages(b *testing.B, s *Sink, from, n int) []*kgo.Record {
	out := make([]*kgo.Record, 0, n)
	for i := from; i < from+n; i++ {
		rec := benchRecord(i)
		js, err := recordjson.MarshalRecord(&rec)
		if err != nil {
			b.Fatal(err)
		}
		h := rec.Head()
		out = append(out, s.message(&h, js, nil, rec.ID))
	}
	return out
}

var (
	benchBase = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	benchSevs = []string{exporter.SeverityCritical, exporter.SeverityHigh, exporter.SeverityMedium, exporter.SeverityLow}
)

// benchRecord is the i-th benchmark record: an audit record every fifth,
// alert records of the three sources otherwise (the HEC figure's mix).
func benchRecord(i int) exporter.Record {
	at := benchBase.Add(time.Duration(i) * time.Second)
	repo := fmt.Sprintf("acme/service-%03d", i%97)
	if i%5 == 4 {
		doc := fmt.Sprintf("doc-%08d", i)
		entry, _ := json.Marshal(map[string]any{
			"@timestamp": at.UnixMilli(), "action": "secret_scanning_alert.resolve", "actor": "octocat",
			"org": "acme", "repo": repo, "_document_id": doc, "user_agent": "Mozilla/5.0",
		})
		return exporter.Record{
			Schema: 1, ID: exporter.AuditRecordID(doc), Time: at, ObservedAt: at.Add(time.Minute),
			Category: exporter.CategoryAudit, Source: exporter.SourceAuditLog, Action: "secret_scanning_alert.resolve",
			Origin: exporter.OriginPoll, Org: "acme", Repo: repo, Actor: "octocat",
			Audit: &exporter.AuditInfo{Action: "secret_scanning_alert.resolve", DocumentID: doc, Entry: entry},
		}
	}
	src := exporter.AlertSources[i%3]
	created := at.Add(-72 * time.Hour)
	return exporter.Record{
		Schema: 1, ID: exporter.AlertRecordID(src, repo, i, exporter.ActionDismissed, at), Time: at,
		ObservedAt: at.Add(time.Minute), Category: exporter.CategoryAlert, Source: src,
		Action: exporter.ActionDismissed, Origin: exporter.OriginPoll, Org: "acme", Repo: repo, Actor: "octocat",
		Alert: &exporter.AlertInfo{
			Number: i + 1, State: "dismissed", PreviousState: "open", Severity: benchSevs[i%4], SeverityRaw: benchSevs[i%4],
			Title: "Prototype pollution in lodash", GHSAID: "GHSA-p6mc-m468-83gw", CVEID: "CVE-2020-8203",
			Package: "lodash", Ecosystem: "npm", Manifest: "package-lock.json", Reason: "tolerable_risk",
			Comment: "only used in build tooling", HTMLURL: fmt.Sprintf("https://github.com/%s/security/dependabot/%d", repo, i+1),
			CreatedAt: &created, UpdatedAt: &at,
		},
	}
}
