package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// autoEnv is newEnv with github.product left out, as the README's quick
// start leaves it.
func autoEnv(t *testing.T, simProduct string) *env {
	e := newEnv(t, simProduct)
	e.cfg.GitHub.Product = ""
	e.cfg.GitHub.GHESVersion = ""
	e.seed()
	return e
}

func TestProduct_DetectsGHESFromItsAnswer(t *testing.T) {
	e := autoEnv(t, "ghes")
	a := e.app(Options{})
	defer a.Close()
	if err := a.PollAlerts(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p, v := a.GitHub().Product(), a.GitHub().GHESVersion(); p != "ghes" || v != "3.19" {
		t.Fatalf("detected %q %q, want ghes 3.19", p, v)
	}
	if got := len(a.AuditScopes()); got != 1 {
		t.Fatalf("audit scopes on GHES: %d, want the org", got)
	}
	e.checkOpenAPI("ghes")
}

func auditLogRequests(sim *ghsim.Sim, org string) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Path == "/orgs/"+org+"/audit-log" {
			n++
		}
	}
	return n
}

func serveGet(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// An org not on Enterprise Cloud: GitHub answers 404 for its audit log.
// One warning, no failed job, metrics and health say so, and the next try
// comes a day later by the injected clock.
func TestProduct_OrgWithoutAuditLog(t *testing.T) {
	e := autoEnv(t, "dotcom")
	e.sim.SetAuditLogMissing("acme", true)
	var logs testtools.Logs
	a := e.app(Options{Logger: logs.Logger()})
	defer a.Close()
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := a.PollAudit(ctx); err != nil {
			t.Fatalf("poll %d: a missing audit log failed the job: %v", i, err)
		}
		e.sim.Advance(AuditRecheck / 4)
	}
	if n := auditLogRequests(e.sim, "acme"); n != 1 {
		t.Fatalf("audit-log requests within a day: %d, want 1", n)
	}
	if n := strings.Count(logs.String(), "org has no audit log"); n != 1 {
		t.Fatalf("warnings: %d, want exactly 1; log:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("the warning is not at WARN:\n%s", logs.String())
	}
	h := a.Handler()
	if m := serveGet(t, h, "/metrics"); !strings.Contains(m, `ghsec_github_audit_log_available{scope="org:acme"} 0`) {
		t.Fatalf("metric missing or not 0:\n%s", grepLines(m, "audit_log_available"))
	}
	var health struct {
		GitHub struct {
			Unavailable []AuditStatus `json:"audit_log_unavailable"`
		} `json:"github"`
	}
	if err := json.Unmarshal([]byte(serveGet(t, h, "/healthz")), &health); err != nil {
		t.Fatal(err)
	}
	if u := health.GitHub.Unavailable; len(u) != 1 || u[0].Scope != "org:acme" || !strings.Contains(u[0].Reason, "Enterprise Cloud") {
		t.Fatalf("healthz audit_log_unavailable = %+v", u)
	}

	// a day after the 404 it is tried again; the org has moved to GHEC
	e.sim.SetAuditLogMissing("acme", false)
	e.sim.Advance(AuditRecheck / 4)
	if err := a.PollAudit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := auditLogRequests(e.sim, "acme"); n != 2 {
		t.Fatalf("audit-log requests after a day: %d, want 2", n)
	}
	if m := serveGet(t, h, "/metrics"); !strings.Contains(m, `ghsec_github_audit_log_available{scope="org:acme"} 1`) {
		t.Fatalf("metric not back to 1:\n%s", grepLines(m, "audit_log_available"))
	}
	if !strings.Contains(logs.String(), "audit log now available") {
		t.Fatalf("recovery not logged:\n%s", logs.String())
	}
	e.checkOpenAPI("ghec")
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// An explicit github.product still wins, and what it rules out is said once
// at WARN, not silently skipped.
func TestProduct_ExplicitDotcomWarnsOnce(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.cfg.GitHub.Enterprises = []string{"bigcorp"}
	e.seed()
	e.sim.AddEnterprise("bigcorp", "acme")
	var logs testtools.Logs
	a := e.app(Options{Logger: logs.Logger()})
	defer a.Close()
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		_ = a.PollAlerts(ctx)
		if err := a.PollAudit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "audit log not polled: github.product is dotcom"); n != 1 {
		t.Fatalf("audit warnings: %d, want 1:\n%s", n, out)
	}
	for _, src := range []string{"code_scanning", "secret_scanning"} {
		if n := strings.Count(out, "scope=enterprise:bigcorp source="+src+" product=dotcom"); n != 1 {
			t.Fatalf("skip warnings for enterprise %s: %d, want 1:\n%s", src, n, out)
		}
	}
	if auditLogRequests(e.sim, "acme") != 0 {
		t.Fatal("audit log polled although github.product is dotcom")
	}
}

// The requests `ghsec-exporter check` makes (detection, one item of every
// list and audit log) are valid against GitHub's description.
func TestProduct_ProbesAreValidRequests(t *testing.T) {
	for _, product := range []string{"ghec", "ghes"} {
		t.Run(product, func(t *testing.T) {
			e := newEnv(t, product)
			e.seed()
			e.sim.AddEnterprise("bigcorp", "acme")
			a := e.app(Options{})
			defer a.Close()
			ctx := context.Background()
			gh := a.GitHub()
			if _, err := gh.Detect(ctx); err != nil {
				t.Fatal(err)
			}
			for _, s := range []ghapi.Scope{{Kind: ghapi.ScopeEnterprise, Name: "bigcorp"}, {Kind: ghapi.ScopeOrg, Name: "acme"}, {Kind: ghapi.ScopeRepo, Name: "acme/widgets"}} {
				for _, src := range exporter.AlertSources {
					if p := gh.ProbeAlerts(ctx, s, src); p.Status != 200 || p.Limit == 0 {
						t.Errorf("%s %s: %+v", s, src, p)
					}
				}
				if p := gh.ProbeSecretTypes(ctx, s, e.cfg.GitHub.SecretScanning.GenericTypes.List()); p.Status != 200 || p.Limit == 0 {
					t.Errorf("%s generic secret types: %+v", s, p)
				}
				if s.Kind != ghapi.ScopeRepo {
					if p := gh.ProbeAudit(ctx, s); p.Status != 200 {
						t.Errorf("%s audit: %+v", s, p)
					}
				}
			}
			e.checkOpenAPI(product)
		})
	}
}

// A failed detection warns once, tries every endpoint meanwhile and asks
// /meta again only after DetectRetry (by the injected clock).
func TestProduct_DetectionFailureRetriedHourly(t *testing.T) {
	e := autoEnv(t, "dotcom")
	e.sim.InjectFault(ghsim.Fault{PathContains: "/meta", Status: 502})
	var logs testtools.Logs
	a := e.app(Options{Logger: logs.Logger()})
	defer a.Close()
	ctx := context.Background()
	metaRequests := func() int {
		n := 0
		for _, r := range e.sim.Requests() {
			if r.Path == "/meta" {
				n++
			}
		}
		return n
	}
	for i := 0; i < 2; i++ {
		if err := a.PollAlerts(ctx); err != nil {
			t.Fatalf("poll %d with detection failed: %v", i, err)
		}
	}
	if n := metaRequests(); n != 1 {
		t.Fatalf("/meta requests before the retry: %d, want 1", n)
	}
	if n := strings.Count(logs.String(), "could not detect the GitHub product"); n != 1 {
		t.Fatalf("detection warnings: %d, want 1:\n%s", n, logs.String())
	}
	if h := serveGet(t, a.Handler(), "/healthz"); !strings.Contains(h, `"detection_error":"detect github product: get /meta: GitHub answered 502`) {
		t.Fatalf("healthz does not show the detection failure: %s", h)
	}
	e.sim.Advance(DetectRetry)
	if err := a.PollAlerts(ctx); err != nil {
		t.Fatal(err)
	}
	if n := metaRequests(); n != 2 || !strings.Contains(logs.String(), "github product detected") {
		t.Fatalf("/meta requests after an hour: %d; log:\n%s", n, logs.String())
	}
	if h := serveGet(t, a.Handler(), "/healthz"); strings.Contains(h, "detection_error") {
		t.Fatalf("healthz still shows a detection failure: %s", h)
	}
}

// Before detection (the start-up log line lists the targets) nothing the
// config names is ruled out: enterprise lists are tried on github.com.
func TestProduct_NothingSkippedBeforeDetection(t *testing.T) {
	e := newEnv(t, "ghec")
	e.cfg.GitHub.Product = ""
	e.cfg.GitHub.Enterprises = []string{"bigcorp"}
	var logs testtools.Logs
	a := e.app(Options{Logger: logs.Logger()})
	defer a.Close()
	if n := len(a.AlertTargets()); n != 9 {
		t.Fatalf("targets before detection: %d, want 9 (3 scopes x 3 kinds)", n)
	}
	if strings.Contains(logs.String(), "not offered") {
		t.Fatalf("a target was skipped before detection:\n%s", logs.String())
	}
}

// github.api_version 2026-03-10 on a GHES before 3.21 (here detected,
// 3.19) is refused at start, naming both versions, before any alert list
// is asked for; the jobs refuse it too.
func TestProduct_APIVersionRefusedOnOlderGHES(t *testing.T) {
	e := autoEnv(t, "ghes")
	e.cfg.GitHub.APIVersion = "2026-03-10"
	a := e.app(Options{})
	defer a.Close()
	ctx := context.Background()
	for name, run := range map[string]func() error{
		"run":    func() error { return a.Run(ctx) },
		"once":   func() error { return a.Once(ctx, time.Second, false) },
		"alerts": func() error { return a.PollAlerts(ctx) },
		"audit":  func() error { return a.PollAudit(ctx) },
	} {
		err := run()
		if !errors.Is(err, ghapi.ErrAPIVersion) || !strings.Contains(err.Error(), "GHES 3.19 does not serve REST API version 2026-03-10 (github.api_version), which GHES has from 3.21") {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, r := range e.sim.Requests() {
		if r.Path != "/api/v3/meta" {
			t.Errorf("asked for %s although the version is not served", r.Path)
		}
	}
}

// On GitHub's cloud 2026-03-10 polls as 2022-11-28 does, every request
// carrying it, and Dependabot records carry both CVSS scores.
func TestProduct_APIVersion20260310OnCloud(t *testing.T) {
	e := autoEnv(t, "ghec")
	e.cfg.GitHub.APIVersion = "2026-03-10"
	a := e.app(Options{})
	defer a.Close()
	if err := a.Once(context.Background(), 10*time.Second, false); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.sim.Requests() {
		want := "2026-03-10"
		if r.Path == "/meta" {
			want = "2022-11-28" // detection asks in the version every product serves
		}
		if v := r.Header.Get("X-GitHub-Api-Version"); v != want {
			t.Fatalf("%s sent version %q", r.Path, v)
		}
	}
	var n int
	for _, r := range e.records() {
		if r.Source == exporter.SourceDependabot && r.Alert != nil {
			if r.Alert.CVSSv3 == nil || r.Alert.CVSSv4 == nil || r.Alert.CVSSv3.Score == 0 {
				t.Fatalf("dependabot record without both scores: %+v", r.Alert)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no dependabot records")
	}
	e.checkOpenAPI("ghec")
}
