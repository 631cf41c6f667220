package email

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// figureAlerts synthesizes the transitions a backfill of n alerts emits,
// one record at a time so the benchmark holds none of its input: every
// alert is created (some secret-scanning ones as push-protection bypasses),
// and every fifth one also closes — dismissed (resolved for secrets) or
// fixed — so the digest counts 1.2·n records.
type figureAlerts struct {
	n, i  int
	again bool // the next record is alert i's second transition
}

func figureSource(i int) exporter.Source { return exporter.AlertSources[i%3] }

func figureRepo(i int) string { return fmt.Sprintf("acme/repo-%04d", i%1000) }

func figureSeverity(i int) string {
	if figureSource(i) == exporter.SourceSecretScanning {
		return ""
	}
	return [...]string{"critical", "high", "medium", "low"}[i%4]
}

func figureCreated(i int) time.Time { return base.Add(-30*24*time.Hour - time.Duration(i)*time.Second) }

// next fills r with the next record and reports whether there was one.
func (g *figureAlerts) next(r *exporter.Record) bool {
	if g.i >= g.n {
		return false
	}
	i, src, repo, sev, at := g.i, figureSource(g.i), figureRepo(g.i), figureSeverity(g.i), figureCreated(g.i)
	action := exporter.ActionCreated
	if !g.again && src == exporter.SourceSecretScanning && i%10 == 2 {
		action = exporter.ActionPushProtectionBypassed
	}
	if g.again {
		switch {
		case src == exporter.SourceSecretScanning:
			action = exporter.ActionResolved
		case i%10 == 0:
			action = exporter.ActionDismissed
		default:
			action = exporter.ActionFixed
		}
		at = at.Add(time.Duration(i%700+1) * time.Hour)
	}
	*r = alertRec(src, repo, i/1000+1, action, sev, at, func(r *exporter.Record) {
		r.Alert.CreatedAt = ptr(figureCreated(i))
		r.Alert.Title = "Prototype pollution in some-package before 4.17.21"
		switch action {
		case exporter.ActionDismissed, exporter.ActionResolved:
			r.Actor, r.Alert.Reason, r.Alert.Comment = fmt.Sprintf("user%d", i%23), "tolerable_risk", "only used in tests"
		case exporter.ActionPushProtectionBypassed:
			r.Actor, r.Alert.SecretType = fmt.Sprintf("user%d", i%23), "github_personal_access_token"
		}
	})
	if g.again || i%5 != 0 {
		g.i++
		g.again = false
	} else {
		g.again = true
	}
	return true
}

// seedFigureOpen writes the backfill's snapshots (the ones left open by the
// transitions above), a transaction per 10,000, for the digest's overview.
func seedFigureOpen(b testing.TB, db *state.DB, n int) {
	b.Helper()
	for lo := 0; lo < n; lo += 10_000 {
		if err := db.Update(func(tx *state.Tx) error {
			for i := lo; i < min(lo+10_000, n); i++ {
				st := "open"
				if i%5 == 0 {
					st = "dismissed"
				}
				k := exporter.AlertKey{Source: figureSource(i), Repo: figureRepo(i), Number: i/1000 + 1}
				if err := tx.PutSnapshot(k, exporter.Snapshot{State: st, Severity: figureSeverity(i), UpdatedAt: figureCreated(i)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFigureDigest is the "first email digest after a backfill"
// figure: the transitions of testtools.BenchSize alerts (1.2 records per
// alert) go through Send in batches of 500, as the delivery loop sends
// them, into a real state file that also holds the alerts' snapshots; then
// the first digest is cut, built over every record and the open-alert
// overview, rendered and mailed to a real mailpit, and its period closed.
// The figure is the peak Go heap across all of it; side figures are the
// peak of the digest alone, the Send rate, the digest's duration (cut to
// pruned), the mail's size and the bytes stored per record.
func BenchmarkFigureDigest(b *testing.B) {
	n := testtools.BenchSize(2000)
	m := receivers.StartMailpit(b, receivers.MailpitPlain)
	ctx := context.Background()
	var peak, digestPeak, sendRate, digestSecs, stored, written float64
	want := 0
	for b.Loop() {
		db := openState(b, "")
		seedFigureOpen(b, db, n)
		clk := &clock{t: base.Add(-24 * time.Hour)}
		s := newSink(b, mailpitConfig(m, TLSNone), db, clk.Now)
		s.log = slog.New(slog.DiscardHandler)
		// Twice: sync.Pool victims (bbolt's page buffers, the seeding's
		// JSON buffers) survive one collection.
		runtime.GC()
		runtime.GC()
		stop := testtools.PeakHeap()
		start, wrote := time.Now(), writtenBytes()
		g := &figureAlerts{n: n}
		batch := make([]exporter.Record, 500)
		records := 0
		for {
			k := 0
			for k < len(batch) && g.next(&batch[k]) {
				k++
			}
			if k == 0 {
				break
			}
			if err := s.Send(ctx, batch[:k]); err != nil {
				b.Fatal(err)
			}
			records += k
		}
		sent := time.Now()
		written = float64(writtenBytes()-wrote) / float64(records)
		stopDigest := testtools.PeakHeap()
		stored = storedBytes(b, s) / float64(records)
		clk.Set(base)
		if err := s.sendDigest(ctx); err != nil {
			b.Fatal(err)
		}
		done := time.Now()
		digestPeak = max(digestPeak, stopDigest())
		peak = max(peak, stop())
		sendRate = float64(records) / sent.Sub(start).Seconds()
		digestSecs = done.Sub(sent).Seconds()
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		want = records
	}
	b.StopTimer()
	msgs := m.WaitMessages(1, 30*time.Second)
	last := msgs[len(msgs)-1]
	if sub := fmt.Sprintf("[ghsec] %d new security events", want); !strings.HasPrefix(last.Subject, sub) {
		b.Fatalf("digest subject %q, want it to start with %q", last.Subject, sub)
	}
	b.ReportMetric(peak, "peak-heap-MiB")
	b.ReportMetric(digestPeak, "digest-peak-heap-MiB")
	b.ReportMetric(sendRate, "records/s")
	b.ReportMetric(digestSecs, "digest-s")
	b.ReportMetric(float64(len(last.Text)+len(last.HTML)), "mail-bytes")
	b.ReportMetric(stored, "stored-bytes/record")
	if written > 0 {
		b.ReportMetric(written, "send-written-bytes/record")
	}
}

// writtenBytes is what the process has written to files so far (Linux's
// wchar; 0 elsewhere): Send's cost in bytes does not vary with the load of
// a shared machine the way its rate does.
func writtenBytes() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "wchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// storedBytes is the key and value bytes of the sink's digest entries and
// id index (bbolt's page overhead not included).
func storedBytes(b *testing.B, s *Sink) float64 {
	b.Helper()
	n := 0
	if err := s.db.SinkView(s.name, func(kv exporter.KV) error {
		for _, p := range [][]byte{prefDigest, prefSeen} {
			if err := kv.ForEach(p, func(k, v []byte) error { n += len(k) + len(v); return nil }); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return float64(n)
}
