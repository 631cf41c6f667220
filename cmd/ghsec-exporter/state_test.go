package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ingest"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

func TestCLI_StateShowListsUndecodableAlerts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `[{"number":7,"state":"open","updated_at":"2026-01-05T09:00:00Z","repository":{"full_name":"acme/widgets"},
			"security_advisory":{"cvss":{"score":1e999}}}]`)
	}))
	defer srv.Close()
	code, stdout, stderr := showAfterPoll(t, srv.URL, exporter.SourceDependabot, &ingest.Poller{Now: time.Now})
	if code != 0 || !strings.Contains(stdout, `"undecodable_alerts"`) || !strings.Contains(stdout, `"key": "acme/widgets#7"`) ||
		!strings.Contains(stdout, "1e999") {
		t.Fatalf("state show: %d\n%s\n%s", code, stdout, stderr)
	}
}

// showAfterPoll polls the alerts of source of the org acme from the GitHub
// at url into a new state file with p, whose DB, GH and Sinks it sets,
// then runs `state show` on the file.
func showAfterPoll(t *testing.T, url string, source exporter.Source, p *ingest.Poller) (code int, stdout, stderr string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gh, err := ghapi.New(ghapi.Options{BaseURL: url + "/", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	p.DB, p.GH, p.Sinks = db, gh, []string{"f"}
	if _, err := p.Poll(context.Background(), ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}, source); err != nil {
		t.Fatal(err)
	}
	db.Close()
	cfg := writeConfig(t, fmt.Sprintf("github:\n  orgs: [acme]\n  token_env: X\nstate: {path: %s}\nsinks: [{name: f, type: file, path: \"-\"}]\n", path))
	return runCLI("state", "show", "-config", cfg)
}
