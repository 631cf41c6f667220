package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The demo's narration counts in English: "1 signed delivery".
func TestDemo_NarrationPlurals(t *testing.T) {
	code, narration, stderr := runCLI("demo", "-repos", "2", "-alerts", "3", "-pause", "0")
	if code != 0 {
		t.Fatalf("demo exited %d\n%s%s", code, narration, stderr)
	}
	if strings.Contains(narration, " 1 signed deliveries") || !strings.Contains(narration, " 1 signed delivery,") {
		t.Errorf("narration:\n%s", narration)
	}
}

// `once` asks for the product once: its warning promises no hourly retry.
func TestOnce_DetectionWarningPromisesNoRetry(t *testing.T) {
	base := gitHubBehind(t, metaBlocked)
	code, _, stderr := runCLI("once", "-config", causeConfig(t, base, "tok", ""))
	if code != 0 || !strings.Contains(stderr, "could not detect the GitHub product; trying every endpoint (set github.product to skip detection)") ||
		strings.Contains(stderr, "hourly") {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
	// with github.product: ghes, only the release is unknown
	code, _, stderr = runCLI("once", "-config", causeConfig(t, base, "tok", "  product: ghes\n"))
	if code != 0 || !strings.Contains(stderr, "github.product is ghes but its release is unknown (GET /meta unanswered): the newest assumed (set github.ghes_version") ||
		strings.Contains(stderr, "could not detect") || strings.Contains(stderr, "hourly") {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
}

// A YAML syntax error names the file and the line once: no "config:
// yaml:" stutter.
func TestCLI_YAMLSyntaxErrorNamesTheLine(t *testing.T) {
	p := writeConfig(t, "github:\n  orgs: acme: x\n  token_env: X\n")
	code, _, stderr := runCLI("check-config", "-config", p)
	want := "ghsec-exporter check-config: config " + p + ": line 2: mapping values are not allowed in this context\n"
	if code != 1 || stderr != want {
		t.Fatalf("exit %d\n got %q\nwant %q", code, stderr, want)
	}
}

// A sink key typo is named, with every key the entry may have.
func TestCLI_SinkKeyTypoNamed(t *testing.T) {
	head := "github:\n  orgs: [acme]\n  token_env: X\nstate: {path: /tmp/x.db}\nsinks:\n  - name: s\n"
	for _, c := range []struct{ body, want string }{
		{"    typ: file\n    path: /tmp/o\n", "sinks[0].typ: unknown key (line 7): did you mean type?"},
		{"    typ: file\n    type: file\n    path: /tmp/o\n", "sinks[0].typ: unknown key (line 7); known keys: audit_body, mode, name, path, schema, type"},
	} {
		code, _, stderr := runCLI("check-config", "-config", writeConfig(t, head+c.body))
		if code != 1 || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "type: missing") {
			t.Errorf("exit %d; stderr lacks %q:\n%s", code, c.want, stderr)
		}
	}
}

// Without -config the packaged path is read; when init's file is in the
// working directory, the error says to name it.
func TestCLI_MissingDefaultConfigPointsAtInitsFile(t *testing.T) {
	const defaultConfig = "/etc/ghsec-exporter/config.yaml" // the packaged path, as -config defaults to
	if _, err := os.Stat(defaultConfig); err == nil {
		t.Skipf("%s exists on this machine", defaultConfig)
	}
	t.Chdir(t.TempDir())
	code, _, stderr := runCLI("once")
	if code != 1 || !strings.Contains(stderr, "(the default; -config FILE names another, init writes one)") {
		t.Errorf("without a local config: exit %d: %s", code, stderr)
	}
	if err := os.WriteFile(filepath.Join(".", "ghsec-exporter.yaml"), []byte("github: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"once"}, {"check"}, {"check-config"}, {"run"}, {"state", "show"}} {
		code, _, stderr = runCLI(cmd...)
		if code != 1 || !strings.Contains(stderr, "open "+defaultConfig+": no such file or directory; ./ghsec-exporter.yaml is here (written by init?): add -config ./ghsec-exporter.yaml") {
			t.Errorf("%v: exit %d: %s", cmd, code, stderr)
		}
	}
}
