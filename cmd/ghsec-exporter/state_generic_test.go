package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ingest"
)

// state show lists the cursors of both secret scanning listings, the
// generic one with the types it named.
func TestCLI_StateShowListsBothSecretScanningCursors(t *testing.T) {
	sim := ghsim.New(ghsim.Options{})
	sim.AddRepo("acme/widgets")
	sim.CreateAlert(ghsim.SecretScanning, "acme/widgets", ghsim.AlertSpec{SecretType: "password"})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	types := config.GenericTypes{}.List()
	code, stdout, stderr := showAfterPoll(t, srv.URL, exporter.SourceSecretScanning, &ingest.Poller{Now: sim.Now, GenericSecretTypes: types})
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
