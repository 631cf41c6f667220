package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ingest"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// state show lists the cursors of both secret scanning listings, the
// generic one with the types it named.
func TestCLI_StateShowListsBothSecretScanningCursors(t *testing.T) {
	sim := ghsim.New(ghsim.Options{})
	sim.AddRepo("acme/widgets")
	sim.CreateAlert(ghsim.SecretScanning, "acme/widgets", ghsim.AlertSpec{SecretType: "password"})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gh, err := ghapi.New(ghapi.Options{BaseURL: srv.URL + "/", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	types := config.GenericTypes{}.List()
	p := &ingest.Poller{DB: db, GH: gh, Sinks: []string{"f"}, Now: sim.Now, GenericSecretTypes: types}
	if _, err := p.Poll(context.Background(), ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}, exporter.SourceSecretScanning); err != nil {
		t.Fatal(err)
	}
	db.Close()
	cfg := writeConfig(t, fmt.Sprintf("github:\n  orgs: [acme]\n  token_env: X\nstate: {path: %s}\nsinks: [{name: f, type: file, path: \"-\"}]\n", path))
	code, stdout, stderr := runCLI("state", "show", "-config", cfg)
	if code != 0 {
		t.Fatalf("state show: %d\n%s", code, stderr)
	}
	var shown struct {
		Cursors map[string]struct {
			ETag        string    `json:"etag"`
			Watermark   time.Time `json:"watermark"`
			SecretTypes []string  `json:"secret_types"`
		} `json:"cursors"`
	}
	if err := json.Unmarshal([]byte(stdout), &shown); err != nil {
		t.Fatal(err)
	}
	def, okDef := shown.Cursors["alerts/org:acme/secret_scanning"]
	gen, okGen := shown.Cursors["alerts/org:acme/secret_scanning/generic"]
	if !okDef || !okGen || def.ETag == "" || gen.ETag == "" || len(def.SecretTypes) != 0 ||
		fmt.Sprint(gen.SecretTypes) != fmt.Sprint(types) || gen.Watermark.IsZero() {
		t.Fatalf("state show lacks both cursors:\n%s", stdout)
	}
}
