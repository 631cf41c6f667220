package daemon

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// A malformed page or an HTTP error mid-listing keeps every committed page,
// does not advance the cursor, and the next run completes without duplicates.
// A page whose item does not decode fails only that item: the run succeeds
// and the item is read again by the next one.
func TestBadPages_NothingCorruptedNothingLost(t *testing.T) {
	for _, c := range []struct {
		fault   ghsim.Fault
		refused bool // an item, not the page, is bad
	}{
		{fault: ghsim.Fault{PathContains: "/orgs/acme/dependabot/alerts", Count: 1, Status: 200, Body: `[{"number": 1, "state": "op`}},
		{fault: ghsim.Fault{PathContains: "/orgs/acme/dependabot/alerts", Count: 1, Status: 200, Body: `[{"number": "one"}]`}, refused: true},
		{fault: ghsim.Fault{PathContains: "/orgs/acme/code-scanning/alerts", Count: 1, Status: 502, Body: `<html>bad gateway</html>`}},
		{fault: ghsim.Fault{PathContains: "/orgs/acme/secret-scanning/alerts", Count: 1, Status: 404, Body: `{"message":"Not Found"}`}},
	} {
		f := c.fault
		t.Run(f.PathContains+"/"+f.Body, func(t *testing.T) {
			e := newEnv(t, "dotcom")
			e.seed()
			// many alerts so the fault can hit a later page: per_page is 100
			for i := 0; i < 150; i++ {
				e.sim.CreateAlert(ghsim.Dependabot, "acme/gadgets", ghsim.AlertSpec{Severity: "low"})
			}
			e.sim.InjectFault(f)
			err := e.once(Options{})
			if c.refused && err != nil {
				t.Fatalf("an undecodable item must not fail the run: %v", err)
			}
			if !c.refused && (err == nil || !strings.Contains(strings.ToLower(err.Error()), "github")) {
				t.Fatalf("a bad page must fail the run clearly: %v", err)
			}
			first := len(e.records())
			must(t, e.once(Options{}))
			recs := e.records()
			if len(recs) != 157 {
				t.Fatalf("after recovery %d records (first run %d), want 157", len(recs), first)
			}
			ids := map[string]bool{}
			for _, r := range recs {
				if ids[r.ID] {
					t.Fatalf("duplicate record %s %s#%d %s", r.Source, r.Repo, r.Alert.Number, r.Action)
				}
				ids[r.ID] = true
			}
		})
	}
}

func TestRunJob_OverlappingRunIsSkippedAndLogged(t *testing.T) {
	e := newEnv(t, "dotcom")
	var logs testtools.Logs
	a := e.app(Options{Logger: logs.Logger()})
	defer a.Close()
	release := make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.runJob(context.Background(), "alerts", func(context.Context) error { close(started); <-release; return nil })
	}()
	<-started
	ran := false
	a.runJob(context.Background(), "alerts", func(context.Context) error { ran = true; return nil })
	close(release)
	wg.Wait()
	if ran || !strings.Contains(logs.String(), "previous run still in progress; skipped") {
		t.Fatalf("overlap not skipped/logged: ran=%v log=%s", ran, logs.String())
	}
}
