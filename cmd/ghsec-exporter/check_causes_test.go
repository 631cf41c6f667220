package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// gitHubBehind serves a simulated GitHub (token "tok", org acme with one
// alert) behind a stand-in for a proxy: block answers a path itself,
// without GitHub's headers, when it returns a status other than 0.
func gitHubBehind(t *testing.T, block func(path string) int) string {
	sim := ghsim.New(ghsim.Options{Token: "tok"})
	sim.AddRepo("acme/widgets")
	sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if code := block(r.URL.Path); code != 0 {
			w.WriteHeader(code) // an empty body, no GitHub headers
			return
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// causeConfig is a config for org acme at base with the token tok and the
// github lines extra.
func causeConfig(t *testing.T, base, tok, extra string) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("GHSEC_CAUSE_TOKEN", tok)
	return writeConfig(t, fmt.Sprintf("github:\n  base_url: %s\n%s  orgs: [acme]\n  token_env: GHSEC_CAUSE_TOKEN\nstate: {path: %s}\nsinks: [{name: out, type: file, path: %s}]\n",
		base, extra, filepath.Join(dir, "state.db"), filepath.Join(dir, "out.jsonl")))
}

func metaBlocked(path string) int {
	if path == "/meta" {
		return http.StatusNotFound
	}
	return 0
}

// A GET /meta that a proxy blocks is no problem when github.product says
// which product it is, and a warning saying what was assumed when it does
// not: every list still works.
func TestCheck_MetaBlockedIsNoFailure(t *testing.T) {
	base := gitHubBehind(t, metaBlocked)

	code, stdout, stderr := runCLI("check", "-config", causeConfig(t, base, "tok", "  product: ghes\n  ghes_version: \"3.19\"\n"))
	t.Logf("with github.product:\n%s%s", stdout, stderr)
	if code != 0 || !strings.Contains(stdout, "everything configured works") || strings.Contains(stdout, "problem") || strings.Contains(stdout, "warning") {
		t.Errorf("exit %d with github.product set; want 0 and no problem", code)
	}
	if !strings.Contains(stdout, "product ghes (github.product; GET /meta unanswered") || !strings.Contains(stdout, "GHES 3.19") {
		t.Errorf("header does not say the product came from the config")
	}

	code, stdout, stderr = runCLI("check", "-config", causeConfig(t, base, "tok", ""))
	t.Logf("without github.product:\n%s%s", stdout, stderr)
	outputHas(t, stdout,
		"product not detected: acting as ghec",
		"1 warning(s): - github product: GET /meta went unanswered, so the product is assumed to be ghec",
		"set github.product",
		"everything configured works",
	)
	if code != 0 || strings.Contains(stdout, "problem") {
		t.Errorf("exit %d without github.product; want 0 (a warning is no failure)", code)
	}
}

// github.product: ghes without ghes_version names no empty release.
func TestCheck_GHESWithoutVersionSaysUnknown(t *testing.T) {
	base := gitHubBehind(t, metaBlocked)
	_, stdout, _ := runCLI("check", "-config", causeConfig(t, base, "tok", "  product: ghes\n"))
	if strings.Contains(stdout, "GHES ,") || strings.Contains(stdout, "GHES \n") || !strings.Contains(stdout, "GHES release unknown") {
		t.Fatalf("header:\n%s", stdout)
	}
}

// One cause is one problem: a wrong token and an unreachable base_url each
// fail the product detection and every list, and each is one line naming
// every target it hits.
func TestCheck_OneCauseOneProblem(t *testing.T) {
	base := gitHubBehind(t, func(string) int { return 0 })
	code, stdout, _ := runCLI("check", "-config", causeConfig(t, base, "wrong", ""))
	t.Logf("wrong token:\n%s", stdout)
	flat := flatten(stdout)
	want := "1 problem(s): - org:acme dependabot, code_scanning, secret_scanning, secret_scanning (generic), audit_log; github product: the token is wrong, expired or revoked"
	if code != 1 || !strings.Contains(flat, want) {
		t.Errorf("exit %d; output lacks %q", code, want)
	}

	code, stdout, _ = runCLI("check", "-config", causeConfig(t, "http://127.0.0.1:1/", "tok", ""))
	t.Logf("unreachable:\n%s", stdout)
	flat = flatten(stdout)
	want = "1 problem(s): - org:acme dependabot, code_scanning, secret_scanning, secret_scanning (generic), audit_log; github product: check github.base_url, the network path and any proxy"
	if code != 1 || !strings.Contains(flat, want) {
		t.Errorf("exit %d; output lacks %q", code, want)
	}
}

// A 404 without GitHub's headers came from something else (a proxy, a web
// server at a wrong base_url): the org is not blamed.
func TestCheck_NotFoundFromAProxyIsNotTheOrg(t *testing.T) {
	base := gitHubBehind(t, func(path string) int {
		if strings.HasPrefix(path, "/orgs/") {
			return http.StatusNotFound
		}
		return 0
	})
	code, stdout, _ := runCLI("check", "-config", causeConfig(t, base, "tok", ""))
	t.Logf("check:\n%s", stdout)
	flat := flatten(stdout)
	if code != 1 || strings.Contains(flat, "not found") || strings.Contains(flat, "Enterprise Cloud") {
		t.Errorf("exit %d; the org is blamed for a proxy's 404", code)
	}
	outputHas(t, stdout,
		"org:acme dependabot 404 without GitHub's headers",
		"1 problem(s): - org:acme dependabot, code_scanning, secret_scanning, secret_scanning (generic), audit_log: the answer did not come from GitHub (no GitHub headers): check github.base_url and any proxy",
	)
}

// once fails with check's diagnosis: one line per cause naming what it
// hits, what to change, and where to look next; never go-github's raw
// "GET …: 401 Bad credentials []".
func TestOnce_ErrorsExplainedLikeCheck(t *testing.T) {
	base := gitHubBehind(t, func(string) int { return 0 })
	for _, c := range []struct {
		name, base, tok, want string
	}{
		{"wrong token", base, "wrong", `1 cause: - 401: credential rejected (GitHub: "Bad credentials") for org:acme dependabot, code_scanning, secret_scanning, audit_log, dismissal requests (code_scanning)`},
		{"wrong token", base, "wrong", "the token is wrong, expired or revoked"},
		{"unreachable", "http://127.0.0.1:1/", "tok", "1 cause: - no answer: dial tcp 127.0.0.1:1: connect: connection refused for org:acme dependabot"},
		{"unreachable", "http://127.0.0.1:1/", "tok", "check github.base_url, the network path and any proxy"},
	} {
		code, _, stderr := runCLI("once", "-config", causeConfig(t, c.base, c.tok, "  product: ghec\n"))
		flat := flatten(stderr)
		if code != 1 || !strings.Contains(flat, c.want) {
			t.Errorf("%s: exit %d; stderr lacks %q:\n%s", c.name, code, c.want, stderr)
		}
		if !strings.HasSuffix(strings.TrimSpace(stderr), "run `ghsec-exporter check` for a table of what works and what to change") {
			t.Errorf("%s: stderr does not end by pointing at check:\n%s", c.name, stderr)
		}
		if strings.Contains(stderr, "[]") || strings.Count(stderr, "Bad credentials") > 1 || strings.Contains(stderr, "?direction=") {
			t.Errorf("%s: raw go-github text or one line per request:\n%s", c.name, stderr)
		}
	}
}
