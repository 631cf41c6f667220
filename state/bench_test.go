package state

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// benchN is how many records the outbox benchmarks queue: 100k by default,
// GHSEC_BENCH_RECORDS=1000000 for the million.
func benchN(b *testing.B) int {
	if s := os.Getenv("GHSEC_BENCH_RECORDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("GHSEC_BENCH_RECORDS=%q: want a positive integer", s)
		}
		return n
	}
	return 100_000
}

// benchRecord is shaped like a Dependabot transition record.
func benchRecord(i int) exporter.Record {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	repo := fmt.Sprintf("acme/service-%03d", i%500)
	return exporter.Record{
		Schema: exporter.SchemaVersion, ID: exporter.AlertRecordID(exporter.SourceDependabot, repo, i, exporter.ActionCreated, at),
		Time: at, ObservedAt: at, Category: exporter.CategoryAlert, Source: exporter.SourceDependabot,
		Action: exporter.ActionCreated, Origin: exporter.OriginPoll, Org: "acme", Repo: repo, Actor: "dependabot[bot]",
		Alert: &exporter.AlertInfo{
			Number: i, State: "open", Severity: "high", SeverityRaw: "high",
			Title: "Prototype pollution in lodash", GHSAID: "GHSA-jf85-cpcp-j695", CVEID: "CVE-2019-10744",
			Package: "lodash", Ecosystem: "npm", Manifest: "package-lock.json",
			HTMLURL: fmt.Sprintf("https://github.com/%s/security/dependabot/%d", repo, i),
		},
	}
}

// fillOutbox appends n records to sink in transactions of 1000, the size of
// a large poll's commit.
func fillOutbox(t testing.TB, db *DB, sink string, n int) {
	t.Helper()
	const batch = 1000
	for i := 0; i < n; i += batch {
		recs := make([]exporter.Record, 0, batch)
		for j := i; j < i+batch && j < n; j++ {
			recs = append(recs, benchRecord(j))
		}
		if err := db.Update(func(tx *Tx) error { return tx.Append(sink, recs...) }); err != nil {
			t.Fatal(err)
		}
	}
}

func fileSize(b *testing.B, path string) int64 {
	b.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// BenchmarkOutboxDisk queues N records, drains them the way a delivery loop
// does (peek a batch, ack it), and reports the file's size per record at its
// peak (everything queued), once drained (bbolt reuses freed pages but
// never shrinks the file), and the file's size after Compact.
func BenchmarkOutboxDisk(b *testing.B) {
	n := benchN(b)
	for i := 0; i < b.N; i++ {
		path := filepath.Join(b.TempDir(), "state.db")
		db, err := Open(path, Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		fillOutbox(b, db, "hec", n)
		peak := fileSize(b, path)
		for {
			var seqs []uint64
			if err := db.Update(func(tx *Tx) error {
				items, err := tx.Peek("hec", 1000)
				for _, it := range items {
					seqs = append(seqs, it.Seq)
				}
				if err != nil || len(seqs) == 0 {
					return err
				}
				return tx.Ack("hec", seqs...)
			}); err != nil {
				b.Fatal(err)
			}
			if len(seqs) == 0 {
				break
			}
		}
		drained := fileSize(b, path)
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		_, compacted, err := Compact(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(peak)/float64(n), "peak-bytes/alert")
		b.ReportMetric(float64(drained)/float64(n), "drained-bytes/alert")
		b.ReportMetric(float64(compacted), "compacted-file-bytes")
	}
}

// BenchmarkFigurePending: what every Prometheus scrape pays per sink with
// 1.2·N records queued (N = testtools.BenchSize alerts: a backfill's
// transitions), reported as ns/call.
func BenchmarkFigurePending(b *testing.B) {
	n := testtools.BenchSize(2000) * 6 / 5
	db, err := Open(filepath.Join(b.TempDir(), "state.db"), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	fillOutbox(b, db, "hec", n)
	const calls = 1000
	for b.Loop() {
		start := time.Now()
		for range calls {
			if err := db.View(func(tx *Tx) error {
				got, err := tx.Pending("hec")
				if err == nil && got != n {
					err = fmt.Errorf("pending %d, want %d", got, n)
				}
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(time.Since(start).Nanoseconds())/calls, "ns/call")
	}
}
