package daemon

import (
	"context"

	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// auditRun drives polls minutes apart while events arrive with random
// indexing delays up to the lag window, and counts per document id how often
// each event was shipped.
func auditRun(t testing.TB, product string, polls int, seed uint64) (added, missed, dup, requests int) {
	e := newEnv(t.(*testing.T), product)
	lag := 15 * time.Minute
	e.sim = ghsim.New(ghsim.Options{Product: product, Token: "test-token", AuditLag: lag, Seed: int64(seed)})
	srv := httptest.NewServer(e.sim)
	defer srv.Close()
	e.cfg.GitHub.BaseURL = srv.URL + "/"
	if product == "ghes" {
		e.cfg.GitHub.BaseURL = srv.URL + "/api/v3/"
	}
	e.cfg.GitHub.Repos = nil
	e.cfg.GitHub.AuditLag.Set(lag)
	e.sim.AddRepo("acme/widgets")
	a := e.app(Options{})
	defer a.Close()
	rng := rand.New(rand.NewPCG(seed, 1))
	ids := map[string]bool{}
	actions := []string{"secret_scanning_alert.resolve", "repository_vulnerability_alert.dismiss", "secret_scanning_push_protection.bypass", "org.update_member"}
	for i := 0; i < polls; i++ {
		for j := rng.IntN(4); j > 0; j-- {
			id := e.sim.AddAuditEvent("acme", ghsim.AuditEvent{Action: actions[rng.IntN(len(actions))], Actor: "u", Repo: "acme/widgets", At: e.sim.Now()})
			ids[id] = true
		}
		e.sim.Advance(time.Minute)
		if err := a.PollAudit(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// let the last events become visible, then poll a few more times
	for i := 0; i < 20; i++ {
		e.sim.Advance(time.Minute)
		if err := a.PollAudit(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	shipped := map[string]int{}
	for _, r := range e.records() {
		if r.Audit != nil {
			shipped[r.Audit.DocumentID]++
		}
	}
	for id := range ids {
		switch n := shipped[id]; {
		case n == 0:
			missed++
		case n > 1:
			dup++
		}
	}
	for id := range shipped {
		if !ids[id] {
			t.Errorf("shipped an event nobody added: %s", id)
		}
	}
	if polls < 500 { // the 1,000-poll run repeats the same request shapes
		e.checkOpenAPI(product)
	}
	for _, r := range e.sim.Requests() {
		if r.Status < 400 {
			requests++
		}
	}
	return len(ids), missed, dup, requests
}

func TestAudit_LateIndexedEventsNeitherMissedNorDuplicated(t *testing.T) {
	for _, product := range []string{"ghec", "ghes"} {
		t.Run(product, func(t *testing.T) {
			added, missed, dup, _ := auditRun(t, product, 120, 42)
			if added == 0 || missed != 0 || dup != 0 {
				t.Fatalf("added %d, missed %d, shipped twice %d", added, missed, dup)
			}
		})
	}
}

// TestAudit_1000Polls is the figure: 1,000 polls with random indexing
// lag up to the window. It is a test, not a timing: it asserts the counts
// and logs them.
func TestAudit_1000Polls(t *testing.T) {
	if testing.Short() {
		t.Skip("long: 1,000 polls")
	}
	added, missed, dup, requests := auditRun(t, "ghec", 1000, 7)
	t.Logf("audit log over 1,000 polls: %d events, %d missed, %d shipped twice, %d requests (%.2f per poll)", added, missed, dup, requests, float64(requests)/1020)
	if missed != 0 || dup != 0 {
		t.Fatalf("missed %d, duplicated %d", missed, dup)
	}
}
