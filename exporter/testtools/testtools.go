package testtools

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Dir is where scripts/setup-test-deps.sh installs the tools:
// $GHSEC_TOOLS_DIR, else $HOME/.cache/ghsec-exporter-tools.
func Dir() string {
	if d := os.Getenv("GHSEC_TOOLS_DIR"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "ghsec-exporter-tools")
}

// Bin is the path of an installed executable, e.g. Bin("mailpit").
func Bin(name string) string { return filepath.Join(Dir(), "bin", name) }

// Octokit is the directory of the @octokit npm packages that
// scripts/deps/npm-github.sh installs (openapi, webhooks-examples).
func Octokit() string { return filepath.Join(Dir(), "npm", "node_modules", "@octokit") }

// InCI reports whether the tests run under CI (CI=true or CI=1), where a
// missing tool is a failure rather than a skip.
func InCI() bool { return os.Getenv("CI") == "true" || os.Getenv("CI") == "1" }

// Need returns path if it exists. Otherwise it fails t under CI and skips
// it elsewhere, with a message naming what is missing and the setup script.
func Need(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return path
	}
	Missing(t, fmt.Sprintf("%s is not installed", path))
	return ""
}

// NeedExec is Need for an executable: path must be a file with an
// execute bit.
func NeedExec(t testing.TB, path string) string {
	t.Helper()
	if st, err := os.Stat(path); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
		return path
	}
	Missing(t, fmt.Sprintf("test tool %s is not installed or not executable", path))
	return ""
}

// Missing ends t for a missing tool described by what: t.Fatal under CI,
// t.Skip elsewhere. The message always names scripts/setup-test-deps.sh.
func Missing(t testing.TB, what string) {
	t.Helper()
	msg := what + "; run scripts/setup-test-deps.sh"
	if InCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
