package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// The webhook rows of `check`: the secret resolves, a free listen address
// can be bound, an address held by a receiver that refuses unsigned
// deliveries is the running daemon's, anything else there is a problem,
// and each redelivery hook lists its deliveries (a hook GitHub does not
// know is a problem naming it).
func TestCheck_WebhookRows(t *testing.T) {
	sim := ghsim.New(ghsim.Options{Product: "dotcom", Token: "tok"})
	sim.AddRepo("acme/widgets")
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	hookID := sim.AddHook(ghsim.Hook{URL: "http://127.0.0.1:1/unused", Secret: []byte("s3cret"), Org: "acme", APIBase: srv.URL})

	ours := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) }))
	t.Cleanup(ours.Close)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(other.Close)
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	freeAddr := free.Addr().String()
	free.Close()

	dir := t.TempDir()
	secret := filepath.Join(dir, "webhook-secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GHSEC_CHECK_TOKEN", "tok")
	cfg := func(listen string) string {
		return writeConfig(t, fmt.Sprintf(`github:
  base_url: %s/
  token_env: GHSEC_CHECK_TOKEN
  orgs: [acme]
state: {path: %s}
webhook:
  listen: %s
  secret_file: %s
  redelivery:
    hooks:
      - {org: acme, id: %d}
      - {org: acme, id: 999}
sinks:
  - {name: out, type: file, path: %s}
`, srv.URL, filepath.Join(dir, "state.db"), listen, secret, hookID, filepath.Join(dir, "out.jsonl")))
	}
	for _, tc := range []struct {
		name, listen  string
		want          []string
		listenProblem bool
	}{
		{"free address", freeAddr, []string{"webhook listen ok: " + freeAddr + " can be bound"}, false},
		{"held by our receiver", strings.TrimPrefix(ours.URL, "http://"), []string{"webhook listen ok: in use by a receiver that refuses unsigned deliveries"}, false},
		{"held by something else", strings.TrimPrefix(other.URL, "http://"), []string{"in use by something that answered 200 to an unsigned delivery"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// exit 1: the unknown hook is a problem
			stdout, _ := runCheck(t, cfg(tc.listen), 1, append(tc.want,
				"webhook secret ok: set",
				fmt.Sprintf("webhook org acme hook %d works: 0 deliveries in the redelivery window", hookID),
				"webhook org acme hook 999 error:",
				"- webhook org acme hook 999: check that org acme hook 999 exists",
			)...)
			if got := strings.Contains(flatten(stdout), "- webhook listen:"); got != tc.listenProblem {
				t.Errorf("listen reported as a problem: %v, want %v", got, tc.listenProblem)
			}
		})
	}
}
