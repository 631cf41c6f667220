package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// init writes a config that check-config accepts as is, from the working
// directory, with the token in GITHUB_TOKEN; it never overwrites.
func TestInit_StarterConfigIsValid(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	code, stdout, stderr := runCLI("init", "-org", "acme", "-repo", "acme/widgets")
	if code != 0 || !strings.Contains(stdout, "wrote ghsec-exporter.yaml") {
		t.Fatalf("init: %d %s %s", code, stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "ghsec-exporter.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"token_env: GITHUB_TOKEN", "orgs: [acme]", "repos: [acme/widgets]", "path: ./ghsec-exporter.state.db", `path: "-"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("starter config lacks %q:\n%s", want, b)
		}
	}
	t.Setenv("GITHUB_TOKEN", "ghp_starter")
	if code, stdout, stderr := runCLI("check-config", "-config", "ghsec-exporter.yaml"); code != 0 || strings.Contains(stdout, "ghp_starter") {
		t.Fatalf("check-config rejects the starter config: %d\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr := runCLI("init", "-org", "other"); code != 1 || !strings.Contains(stderr, "exists; not overwritten") {
		t.Fatalf("second init: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI("init", "-out", "x.yaml", "-org", "bad_name!"); code != 1 || !strings.Contains(stderr, "github.orgs[0]") {
		t.Fatalf("bad org: %d %q", code, stderr)
	}
}
