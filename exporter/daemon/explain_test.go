package daemon

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// A job that fails in `run` logs check's diagnosis once, by cause, and
// points at check: not one raw go-github line per request.
func TestRunJob_FailureExplainedByCause(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	if err := os.WriteFile(filepath.Join(e.dir, "token"), []byte("revoked\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs testtools.Logs
	// a refused credential gets the unauthenticated budget: the limiter
	// waits for its reset on the simulator's clock
	a := e.app(Options{Logger: logs.Logger(), Sleep: func(_ context.Context, d time.Duration) error {
		e.sim.Advance(d)
		return nil
	}})
	defer a.Close()
	a.runJob(context.Background(), "alerts", a.PollAlerts)
	l := logs.String()
	for _, want := range []string{
		"job failed",
		`8 GitHub requests failed, 1 cause:\n- 401: credential rejected (GitHub: \"Bad credentials\") for org:acme dependabot, code_scanning, secret_scanning; repo:other/solo dependabot, code_scanning, secret_scanning: the token is wrong, expired or revoked`,
		"run `ghsec-exporter check` for a table of what works and what to change",
	} {
		if !strings.Contains(l, want) {
			t.Errorf("log lacks %q:\n%s", want, l)
		}
	}
	if strings.Contains(l, "[]") || strings.Contains(l, "per_page=100") {
		t.Errorf("log has go-github's raw text:\n%s", l)
	}
}
