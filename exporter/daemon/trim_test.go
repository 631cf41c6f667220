package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// queueBacklog appends n records of about 1 KiB to the outbox, as a long
// sink outage would leave them.
func queueBacklog(t *testing.T, a *App, n int) {
	t.Helper()
	for i := 0; i < n; i += 1000 {
		recs := make([]exporter.Record, 0, 1000)
		for j := i; j < min(i+1000, n); j++ {
			at := time.Unix(1_700_000_000, 0).UTC()
			recs = append(recs, exporter.Record{Schema: exporter.SchemaVersion, Category: exporter.CategoryAlert,
				ID:     exporter.AlertRecordID(exporter.SourceDependabot, "acme/widgets", j+1, exporter.ActionCreated, at),
				Source: exporter.SourceDependabot, Action: exporter.ActionCreated, Origin: exporter.OriginBackfill, Org: "acme", Repo: "acme/widgets",
				Time: at, ObservedAt: at,
				Alert: &exporter.AlertInfo{Number: j + 1, State: "open", Title: strings.Repeat("t", 900)}})
		}
		must(t, a.db.Update(func(tx *state.Tx) error { return tx.Append("out", recs...) }))
	}
}

// Once drains a backlog, then the state file is trimmed: logged at INFO
// with its sizes and counted. A trim that fails is logged once at ERROR
// with err, counted and shown in /healthz, and not tried again before
// trimFailWait.
func TestTrim_AfterDrainAndAfterFailure(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	var logs testtools.Logs
	a := e.app(Options{Logger: logs.Logger()})
	defer a.Close()
	base := serve(t, a)

	// A directory where the trim writes its copy makes it fail.
	copyPath := state.CompactPath(a.db.Path())
	must(t, os.MkdirAll(filepath.Join(copyPath, "blocker"), 0o700))
	queueBacklog(t, a, 12_000)
	must(t, a.Once(context.Background(), time.Minute, false))
	a.trimState() // within trimFailWait: not tried
	out := logs.String()
	if n := strings.Count(out, "state file trim failed"); n != 1 || !strings.Contains(out, "level=ERROR msg=\"state file trim failed") || !strings.Contains(out, "err=") {
		t.Fatalf("want one ERROR line with err for the failed trim, got %d:\n%s", n, out)
	}
	metricsHave(t, base, `ghsec_state_trim_failures_total 1`, `ghsec_state_trims_total 0`)
	if h := get(t, base+"/healthz", 200); !strings.Contains(h, `"trim_failures":1`) || !strings.Contains(h, `"last_trim_error":"trim state file`) {
		t.Errorf("healthz does not show the failed trim: %s", h)
	}

	must(t, os.RemoveAll(copyPath))
	e.sim.Advance(trimFailWait)
	before, err := os.Stat(a.db.Path())
	must(t, err)
	a.trimState()
	after, err := os.Stat(a.db.Path())
	must(t, err)
	if after.Size()*2 > before.Size() {
		t.Fatalf("drained file %d → %d bytes: want it trimmed to under half", before.Size(), after.Size())
	}
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "state file trimmed") {
			line = l
		}
	}
	if !strings.Contains(line, "level=INFO") || !strings.Contains(line, fmt.Sprint("before_bytes=", before.Size())) ||
		!strings.Contains(line, fmt.Sprint("after_bytes=", after.Size())) || strings.Contains(line, "err=") {
		t.Fatalf("trim log line %q: want the sizes at INFO, no err", line)
	}
	metricsHave(t, base, `ghsec_state_trims_total 1`, fmt.Sprint("ghsec_state_file_bytes ", after.Size()))
	if got := len(e.records()); got != 12_000+7 {
		t.Fatalf("file sink holds %d records, want every one", got)
	}
	a.trimState() // nothing left to return: not trimmed again
	if n := strings.Count(logs.String(), "state file trimmed"); n != 1 {
		t.Fatalf("%d trims, want 1", n)
	}
}
