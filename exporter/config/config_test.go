package config

import (
	"errors"
	"strings"
	"testing"
)

const minimal = `
github:
  base_url: https://api.github.com/
  token_env: GITHUB_TOKEN
  orgs: [acme]
  repos: [acme/widgets]
state:
  path: ./ghsec-exporter.db
schedules:
  alerts: "@every 5m"
sinks:
  - name: stdout
    type: file
    path: "-"
`

func TestDecode_IssueExampleWorksAsWritten(t *testing.T) {
	cfg, err := Decode(strings.NewReader(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GitHub.Orgs[0] != "acme" || cfg.Schedules.Reconcile != "@daily" || cfg.Schedules.AuditLog != "@every 1m" ||
		cfg.Sinks[0].Name != "stdout" || cfg.Sinks[0].Type != "file" || cfg.GitHub.AuditLag.D().Minutes() != 15 {
		t.Fatalf("decoded wrong or defaults missing: %+v", cfg)
	}
}

func TestDecode_ErrorsNameFieldAndValue(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown top-level key", minimal + "bogus: 1\n", "bogus: unknown key"},
		{"unknown nested key", strings.Replace(minimal, "token_env:", "tokn_env:", 1), "github.tokn_env: unknown key"},
		{"bad org", strings.Replace(minimal, "orgs: [acme]", "orgs: [\"ac me\"]", 1), `github.orgs[0]: not a GitHub organization login (got "ac me")`},
		{"bad repo", strings.Replace(minimal, "repos: [acme/widgets]", "repos: [widgets]", 1), `github.repos[0]: must be owner/name (got "widgets")`},
		{"bad schedule", strings.Replace(minimal, `"@every 5m"`, `"every five minutes"`, 1), `schedules.alerts: not a cron schedule`},
		{"bad base url", strings.Replace(minimal, "https://api.github.com/", "ftp://x", 1), `github.base_url: must be an http(s) URL`},
		{"duplicate sink", minimal + "  - name: stdout\n    type: file\n", `sinks[1].name: duplicate sink name (got "stdout")`},
		{"no sinks", strings.Split(minimal, "sinks:")[0], "sinks: missing"},
		{"bad duration", minimal + "github2: x\n", "github2: unknown key"},
		{"bad lag", strings.Replace(minimal, "orgs: [acme]", "orgs: [acme]\n  audit_lag: 48h", 1), `github.audit_lag: must be between 0 and 24h (got "48h0m0s")`},
		{"bad include", strings.Replace(minimal, "orgs: [acme]", "orgs: [acme]\n  audit_include: everything", 1), `github.audit_include: must be web, git or all (got "everything")`},
		{"bad api version", strings.Replace(minimal, "orgs: [acme]", "orgs: [acme]\n  api_version: 2024-01-01", 1), `github.api_version: must be one of 2022-11-28, 2026-03-10 (the REST API versions the exporter reads) (got "2024-01-01")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v\nwant an error containing %q", err, tt.want)
			}
		})
	}
}

func TestSecretRef_Resolve(t *testing.T) {
	t.Setenv("GHSEC_TEST_TOKEN", "s3cret")
	ref := func(file, env string) SecretRef {
		return SecretRef{Path: "github.token", File: file, Env: env, Required: true}
	}
	if v, err := ref("", "GHSEC_TEST_TOKEN").Resolve(); err != nil || v != "s3cret" {
		t.Fatalf("env: %q %v", v, err)
	}
	_, err := ref("/nonexistent/token", "").Resolve()
	if !errors.Is(err, ErrUnreadable) || err.Error() != `github.token_file: cannot read secret file: no such file or directory (got "/nonexistent/token")` {
		t.Fatalf("file error should name the field and the path: %v", err)
	}
	if _, err := ref("a", "B").Resolve(); !errors.Is(err, ErrConflict) {
		t.Fatalf("both set: %v, want ErrConflict", err)
	}
	if _, err := ref("", "").Resolve(); !errors.Is(err, ErrRequired) || err.Error() != "github.token_file: missing: set github.token_file or github.token_env" {
		t.Fatalf("neither set: %v, want ErrRequired", err)
	}
	if v, err := (SecretRef{Path: "password"}).Resolve(); err != nil || v != "" {
		t.Fatalf("optional and unset: %q %v", v, err)
	}
	if _, err := ref("", "GHSEC_UNSET_VAR").Resolve(); !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "GHSEC_UNSET_VAR") {
		t.Fatalf("unset env: %v", err)
	}
}

func TestDecode_APIVersion(t *testing.T) {
	cfg, err := Decode(strings.NewReader(minimal))
	if err != nil || cfg.GitHub.APIVersion != "2022-11-28" {
		t.Fatalf("default api_version: %v, %v", cfg, err)
	}
	cfg, err = Decode(strings.NewReader(strings.Replace(minimal, "orgs: [acme]", "orgs: [acme]\n  api_version: \"2026-03-10\"", 1)))
	if err != nil || cfg.GitHub.APIVersion != "2026-03-10" {
		t.Fatalf("api_version 2026-03-10: %v, %v", cfg, err)
	}
	ghes := func(version string) string {
		return strings.Replace(minimal, "orgs: [acme]", "orgs: [acme]\n  api_version: \"2026-03-10\"\n  product: ghes\n  ghes_version: \""+version+"\"", 1)
	}
	_, err = Decode(strings.NewReader(ghes("3.19")))
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "github.api_version: GHES 3.19 (github.ghes_version) does not serve REST API version 2026-03-10, which GHES has from 3.21") {
		t.Fatalf("GHES 3.19 with 2026-03-10: %v", err)
	}
	for _, v := range []string{"3.21", "3.22", ""} {
		if _, err := Decode(strings.NewReader(ghes(v))); err != nil {
			t.Fatalf("GHES %s with 2026-03-10: %v", v, err)
		}
	}
	_, err = Decode(strings.NewReader(strings.Replace(minimal, "orgs: [acme]", "orgs: [acme]\n  api_version: \"\"", 1)))
	if fe := (*FieldError)(nil); !errors.As(err, &fe) || fe.Path != "github.api_version" || !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty api_version: %v", err)
	}
}

// A config without settings says what a config needs, not what shape the
// YAML document lacks.
func TestDecode_EmptySaysWhatIsNeeded(t *testing.T) {
	for _, doc := range []string{"", "\n  \n", "# only a comment\n\n# another\n", "---\n", "~\n"} {
		_, err := Decode(strings.NewReader(doc))
		if !errors.Is(err, ErrEmpty) {
			t.Fatalf("%q: got %v, want ErrEmpty", doc, err)
		}
		for _, want := range []string{"github.orgs", "github.repos", "github.enterprises", "sinks", "ghsec-exporter init"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%q: %q does not name %s", doc, err, want)
			}
		}
		if strings.Contains(err.Error(), "mapping") {
			t.Errorf("%q: %q still speaks of YAML shapes", doc, err)
		}
	}
}
