package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

// loadDoc is a config whose GitHub token, webhook secret, HEC token and
// SMTP password are files in creds.
func loadDoc(dir, creds string) string {
	return fmt.Sprintf(`
github: {token_file: %[2]s/gh-token, orgs: [acme]}
state: {path: %[1]s/state.db}
webhook: {listen: "127.0.0.1:0", secret_file: %[2]s/hook-secret}
sinks:
  - {name: out, type: file, path: %[1]s/out.jsonl}
  - {name: hec, type: splunk_hec, url: "https://127.0.0.1:9", token_file: %[2]s/hec-token, health_check: false}
  - {name: mail, type: email, host: smtp.example.com, username: bot, password_file: %[2]s/smtp-password, from: a@example.com, to: [b@example.com]}
`, dir, creds)
}

// Every command loads through loadChecked, whose resolve step reads each
// secret once: with the files gone afterwards, the daemon (GitHub client,
// webhook receiver, every sink) still builds from what it read, twice, as a
// reload falling back to the old config does.
func TestLoadChecked_ReadsEachSecretOnce(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "creds")
	if err := os.Mkdir(creds, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"gh-token", "hook-secret", "hec-token", "smtp-password"} {
		if err := os.WriteFile(filepath.Join(creds, f), []byte(f+"-value\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	l, err := loadChecked(writeConfig(t, loadDoc(dir, creds)))
	if err != nil {
		t.Fatal(err)
	}
	if l.secrets.GitHubToken != "gh-token-value" || l.secrets.WebhookSecret != "hook-secret-value" || len(l.sinks) != 3 {
		t.Fatalf("loaded %+v", l.secrets)
	}
	if err := os.RemoveAll(creds); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		app, err := newApp(l, slog.New(slog.DiscardHandler), nil)
		if err != nil {
			t.Fatalf("newApp after the secrets were read: %v", err)
		}
		app.Close()
	}
}

// The resolve step's refusals name every unreadable secret by its field
// path, with the path and config.ErrUnreadable, and check-config reports
// them: a webhook secret too, which run would need.
func TestLoadChecked_UnreadableSecretsNameFields(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "missing")
	p := writeConfig(t, loadDoc(dir, creds))
	_, err := loadChecked(p)
	if !errors.Is(err, config.ErrUnreadable) {
		t.Fatalf("loadChecked = %v, want config.ErrUnreadable", err)
	}
	code, stdout, stderr := runCLI("check-config", "-config", p)
	for _, want := range []string{
		"github.token_file: cannot read secret file: no such file or directory (got \"" + creds + "/gh-token\")",
		"webhook.secret_file: cannot read secret file",
		"sinks[1].token_file: cannot read secret file",
		"sinks[2].password_file: cannot read secret file",
	} {
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("check-config: code %d\nstdout %s\nstderr %s\nwant %q", code, stdout, stderr, want)
		}
	}
}

// An empty config file (nothing, or only comments) is answered by
// check-config with what a config needs and how to get one, not with the
// YAML shape it lacks.
func TestCheckConfig_EmptyFileSaysWhatAConfigNeeds(t *testing.T) {
	for _, doc := range []string{"", "# nothing yet\n\n   \n"} {
		p := writeConfig(t, doc)
		code, stdout, stderr := runCLI("check-config", "-config", p)
		if code != 1 {
			t.Fatalf("%q: exit %d, want 1\nstdout %s\nstderr %s", doc, code, stdout, stderr)
		}
		for _, want := range []string{"config " + p + ": (document): no settings: a config needs",
			"github.orgs, github.repos or github.enterprises", "sinks", "ghsec-exporter init -org NAME"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%q: stderr %q lacks %q", doc, stderr, want)
			}
		}
		if strings.Contains(stderr, "mapping of keys") || strings.Contains(stderr, "line 0") {
			t.Errorf("%q: stderr still speaks of the YAML shape: %s", doc, stderr)
		}
	}
}
