package testtools

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDir(t *testing.T) {
	t.Setenv("GHSEC_TOOLS_DIR", "/opt/tools")
	if got := Bin("mailpit"); got != "/opt/tools/bin/mailpit" {
		t.Errorf("Bin = %q", got)
	}
	if got := Octokit(); got != "/opt/tools/npm/node_modules/@octokit" {
		t.Errorf("Octokit = %q", got)
	}
	t.Setenv("GHSEC_TOOLS_DIR", "")
	t.Setenv("HOME", "/home/dev")
	if got := Dir(); got != "/home/dev/.cache/ghsec-exporter-tools" {
		t.Errorf("Dir without GHSEC_TOOLS_DIR = %q", got)
	}
}

func TestNeed(t *testing.T) {
	dir := t.TempDir()
	plain, exe := filepath.Join(dir, "data.json"), filepath.Join(dir, "tool")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	tests := []struct {
		name    string
		need    func(testing.TB, string) string
		path    string
		present bool
	}{
		{"file present", Need, plain, true},
		{"file missing", Need, missing, false},
		{"executable present", NeedExec, exe, true},
		{"not executable", NeedExec, plain, false},
		{"directory is no executable", NeedExec, dir, false},
		{"executable missing", NeedExec, missing, false},
	}
	for _, tt := range tests {
		for _, ci := range []string{"", "false", "true", "1"} {
			t.Run(tt.name+"/CI="+ci, func(t *testing.T) {
				t.Setenv("CI", ci)
				var got string
				skipped, failed := Capture(t, func(tb testing.TB) { got = tt.need(tb, tt.path) })
				if tt.present {
					if got != tt.path || skipped != "" || failed != "" {
						t.Fatalf("got %q, skipped %q, failed %q; want the path", got, skipped, failed)
					}
					return
				}
				msg, other := skipped, failed
				if ci == "true" || ci == "1" {
					msg, other = failed, skipped // integration tests never skip in CI
				}
				if !strings.Contains(msg, tt.path) || !strings.Contains(msg, "scripts/setup-test-deps.sh") || other != "" {
					t.Fatalf("skipped %q, failed %q; want one naming %s and the setup script", skipped, failed, tt.path)
				}
			})
		}
	}
}

// Reference is ../shared/reference beside the directory holding go.mod,
// wherever below it the test runs.
func TestReference(t *testing.T) {
	got, err := Reference()
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	module := filepath.Dir(filepath.Dir(wd)) // exporter/testtools
	if want := filepath.Join(module, "..", "shared", "reference"); got != want {
		t.Errorf("Reference = %q, want %q", got, want)
	}
}
