package daemon

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/golang-jwt/jwt/v4"
)

func TestReconcile_WithdrawsVanishedAlerts(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	must(t, e.once(Options{}))
	n := len(e.records())
	must(t, e.sim.Delete(ghsim.CodeScanning, "acme/gadgets", 1))
	must(t, e.sim.Delete(ghsim.Dependabot, "acme/widgets", 2))
	e.sim.Advance(time.Hour)
	e.reconcile()
	equalLines(t, "reconcile", summary(e.records()[n:]), []string{
		"code_scanning acme/gadgets#1 withdrawn (reconcile)",
		"dependabot acme/widgets#2 withdrawn (reconcile)",
	})
	// a second reconcile finds nothing more
	e.reconcile()
	if got := len(e.records()); got != n+2 {
		t.Fatalf("second reconcile emitted %d more records", got-n-2)
	}
	e.checkOpenAPI("dotcom")
}

func TestEnterpriseScope_GHEC(t *testing.T) {
	e := newEnv(t, "ghec")
	e.sim.AddEnterprise("acme-corp", "acme")
	e.seed()
	e.cfg.GitHub.Orgs = nil
	e.cfg.GitHub.Repos = nil
	e.cfg.GitHub.Enterprises = []string{"acme-corp"}
	must(t, e.once(Options{}))
	recs := e.records()
	if len(recs) != 6 { // the acme alerts (other/solo is outside the enterprise)
		t.Fatalf("enterprise backfill: %v", summary(recs))
	}
	for _, r := range recs {
		if r.Enterprise != "acme-corp" {
			t.Errorf("record without enterprise: %+v", r)
		}
	}
	paths := map[string]bool{}
	for _, r := range e.sim.Requests() {
		paths[r.Path] = true
	}
	for _, p := range []string{"/enterprises/acme-corp/dependabot/alerts", "/enterprises/acme-corp/code-scanning/alerts", "/enterprises/acme-corp/secret-scanning/alerts", "/enterprises/acme-corp/audit-log"} {
		if !paths[p] {
			t.Errorf("no request to %s; got %v", p, paths)
		}
	}
	e.checkOpenAPI("ghec")
}

func TestEnterpriseScope_DotcomListsDependabotOnly(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.sim.AddEnterprise("acme-corp", "acme")
	e.seed()
	e.cfg.GitHub.Orgs, e.cfg.GitHub.Repos, e.cfg.GitHub.Enterprises = nil, nil, []string{"acme-corp"}
	must(t, e.once(Options{}))
	for _, r := range e.sim.Requests() {
		if strings.HasPrefix(r.Path, "/enterprises/") && !strings.Contains(r.Path, "/dependabot/") {
			t.Errorf("dotcom has no %s", r.Path)
		}
	}
}

func TestRateLimits_WaitsAreHonouredAndLogged(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	e.sim.InjectFault(ghsim.Fault{PathContains: "/dependabot/alerts", Count: 1, Status: 429, RetryAfter: 2 * time.Second})
	e.sim.InjectFault(ghsim.Fault{PathContains: "/code-scanning/alerts", Count: 1, Status: 403, Secondary: true})
	var logs testtools.Logs
	var slept []time.Duration
	a, err := New(e.cfg, Options{Now: e.sim.Now, Logger: logs.Logger(), Sinks: sinksOf(t, e.cfg, nil), Sleep: func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		e.sim.Advance(d)
		return nil
	}})
	must(t, err)
	defer a.Close()
	must(t, a.Once(context.Background(), time.Second, false))
	if got := len(e.records()); got != 7 {
		t.Fatalf("after rate-limit retries %d records, want 7", got)
	}
	if len(slept) < 2 || slept[0] != 2*time.Second || slept[1] < time.Minute {
		t.Fatalf("waits %v: want Retry-After 2s, then ≥1m for the secondary limit", slept)
	}
	out := logs.String()
	for _, want := range []string{"waiting for GitHub rate limit", "Retry-After on 429", "secondary rate limit"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if st := a.GitHub().Limiter().Stats(); st.Waits < 2 {
		t.Errorf("waits not counted: %+v", st)
	}
}

func TestRateLimits_ReserveIsNeverSpent(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.sim = ghsim.New(ghsim.Options{Token: "test-token", RateLimit: 10})
	srv := httptest.NewServer(e.sim)
	defer srv.Close()
	e.cfg.GitHub.BaseURL = srv.URL + "/"
	e.cfg.GitHub.RateLimitReserve = 5
	e.seed()
	var waits int
	a := e.app(Options{Sleep: func(_ context.Context, d time.Duration) error {
		waits++
		if rem := e.sim.RateLimitRemaining(); rem != 5 {
			t.Errorf("waited with %d units left; reserve is 5: it must be neither spent nor left early", rem)
		}
		e.sim.Advance(d)
		return nil
	}})
	defer a.Close()
	must(t, a.Once(context.Background(), time.Second, false))
	if waits == 0 {
		t.Fatal("a 10-unit limit with reserve 5 must wait for the reset")
	}
	if got := len(e.records()); got != 7 {
		t.Fatalf("%d records, want 7", got)
	}
}

func TestGitHubApp_InstallationToken(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	sim := ghsim.New(ghsim.Options{Token: "ghs_installation_token"})
	var minted int
	mux := http.NewServeMux()
	mux.HandleFunc("POST /app/installations/42/access_tokens", func(w http.ResponseWriter, r *http.Request) {
		raw := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		tok, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return &key.PublicKey, nil })
		if err != nil || !tok.Valid {
			http.Error(w, `{"message":"bad jwt"}`, http.StatusUnauthorized)
			return
		}
		if iss := tok.Claims.(jwt.MapClaims)["iss"]; fmt.Sprint(iss) != "7" {
			http.Error(w, `{"message":"wrong app"}`, http.StatusUnauthorized)
			return
		}
		minted++
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"token": "ghs_installation_token", "expires_at": time.Now().Add(time.Hour).Format(time.RFC3339)})
	})
	mux.Handle("/", sim)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "app.pem")
	must(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600))
	sim.AddRepo("acme/widgets")
	sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "low"})
	cfg := config.Default()
	cfg.GitHub.BaseURL = srv.URL + "/"
	cfg.GitHub.App = &config.App{AppID: 7, InstallationID: 42, PrivateKeyFile: keyFile}
	cfg.GitHub.Repos = []string{"acme/widgets"}
	cfg.State.Path = filepath.Join(dir, "state.db")
	out := filepath.Join(dir, "out.jsonl")
	cfg.Sinks = []config.SinkEntry{{Name: "f", Type: "file", Body: fileBody(out)}}
	must(t, cfg.Validate())
	a, err := New(&cfg, Options{Now: sim.Now, Sinks: sinksOf(t, &cfg, nil)})
	must(t, err)
	defer a.Close()
	must(t, a.Once(context.Background(), time.Second, false))
	b, _ := os.ReadFile(out)
	if minted == 0 || !bytes.Contains(b, []byte(`"action":"created"`)) {
		t.Fatalf("app auth: minted=%d output=%s", minted, b)
	}
}
