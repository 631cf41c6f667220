package email

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got ---\n%s", path, got)
	}
}

func offlineConfig() Config {
	cfg := DefaultConfig()
	cfg.Host, cfg.From, cfg.To = "smtp.example.com", "ghsec@example.com", []string{"security@example.com"}
	return cfg
}

// renderPeriod sends records through Send into a real state file with a
// fixed clock and renders the digest cut at base.
func renderPeriod(t *testing.T, records []exporter.Record) (rendered, *Digest) {
	t.Helper()
	db := openState(t, "")
	seedOpen(t, db)
	clk := &clock{t: base.Add(-24 * time.Hour)}
	s := newSink(t, offlineConfig(), db, clk.Now)
	if err := s.Send(context.Background(), records); err != nil {
		t.Fatal(err)
	}
	d, _ := cutDigest(t, s, clk)
	r, err := s.tmpl.digest(d)
	if err != nil {
		t.Fatal(err)
	}
	return r, d
}

func TestDigest_Golden(t *testing.T) {
	r, d := renderPeriod(t, fixture())
	golden(t, "digest.txt", r.Text)
	golden(t, "digest.html", r.HTML)
	if want := "[ghsec] 14 new security events — 2025-03-10 08:00 UTC"; r.Subject != want {
		t.Errorf("subject = %q, want %q", r.Subject, want)
	}
	if d.MedianTimeToFix != "1d 2h" || d.Fixed != 3 {
		t.Errorf("fixed = %d, median = %q; want 3, 1d 2h", d.Fixed, d.MedianTimeToFix)
	}
	if strings.Contains(r.HTML, "<script>") {
		t.Error("HTML part contains an unescaped title")
	}
}

func TestDigest_GoldenEmpty(t *testing.T) {
	r, d := renderPeriod(t, nil)
	if !d.Empty() {
		t.Fatalf("digest of no records is not empty: %+v", d)
	}
	golden(t, "digest_empty.txt", r.Text)
	golden(t, "digest_empty.html", r.HTML)
}

func TestDigest_DuplicateRecordsCountOnce(t *testing.T) {
	recs := fixture()
	_, d := renderPeriod(t, append(recs, recs[:3]...))
	if d.New != len(recs) {
		t.Errorf("New = %d, want %d: a redelivered record counted twice", d.New, len(recs))
	}
}

func TestDigest_ListLimit(t *testing.T) {
	var recs []exporter.Record
	for i := range 60 {
		recs = append(recs, alertRec(exporter.SourceDependabot, "acme/big", i+1, exporter.ActionCreated, "critical", base.Add(-time.Duration(i)*time.Minute), nil))
	}
	r, d := renderPeriod(t, recs)
	if got := len(d.NewCriticalHigh.Items); got != 50 || d.NewCriticalHigh.More != 10 {
		t.Errorf("list has %d items and %d more, want 50 and 10", got, d.NewCriticalHigh.More)
	}
	if !strings.Contains(r.Text, "… and 10 more") || !strings.Contains(r.HTML, "… and 10 more") {
		t.Error("capped list does not say how many were left out")
	}
}

func TestImmediate_Golden(t *testing.T) {
	db := openState(t, "")
	clk := &clock{t: base}
	cfg := offlineConfig()
	cfg.ImmediateActions = []string{exporter.ActionPushProtectionBypassed, "repo.destroy"}
	s := newSink(t, cfg, db, clk.Now)
	if err := s.Send(context.Background(), fixture()); err != nil {
		t.Fatal(err)
	}
	q, err := s.store.immediateQueue()
	if err != nil {
		t.Fatal(err)
	}
	m := s.immediateOf(q)
	r, err := s.tmpl.immediate(m)
	if err != nil {
		t.Fatal(err)
	}
	if want := "[ghsec] 2 × push_protection_bypassed, repo.destroy in acme/widgets"; r.Subject != want {
		t.Errorf("subject = %q, want %q", r.Subject, want)
	}
	golden(t, "immediate.txt", r.Text)
	golden(t, "immediate.html", r.HTML)
}
