package config

import (
	"strings"
	"testing"
)

// decodeErr decodes the minimal config with old replaced by new and returns
// the error text.
func decodeErr(t *testing.T, old, new string) string {
	t.Helper()
	doc := strings.Replace(minimal, old, new, 1)
	if doc == minimal && old != new {
		t.Fatalf("%q not in the minimal config", old)
	}
	_, err := Decode(strings.NewReader(doc))
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestDecode_CredentialsInURLsRefusedUnechoed(t *testing.T) {
	for _, v := range []string{
		"https://octo:hunter2@api.github.com/",
		"https://hunter2@api.github.com/",
		"octo:hunter2@api.github.com",       // no scheme: parses as scheme "octo"
		"https://octo:hunter2@[::1/api/v3/", // unparsable
	} {
		got := decodeErr(t, "base_url: https://api.github.com/", "base_url: "+v)
		if !strings.Contains(got, "github.base_url:") || strings.Contains(got, "hunter2") {
			t.Errorf("base_url %q: %s", v, got)
		}
	}
	if got := decodeErr(t, "base_url: https://api.github.com/", "base_url: https://api.github.com/?a@b"); strings.Contains(got, "hunter2") {
		t.Error(got)
	}
}

func TestDecode_TokenValueWhereNameBelongsRefusedUnechoed(t *testing.T) {
	const pat = "ghp_0123456789abcdefghijABCDEFGHIJ012345"
	for _, tt := range []struct{ line, field string }{
		{"token_env: " + pat, "github.token_env: looks like a token value"},
		{"token_env: github_pat_11AAAAAAA0_xyz", "github.token_env: looks like a token value"},
		{"token_env: 0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba", "github.token_env: looks like a token value"},
		{"token_env: \"not a name\"", "github.token_env: not an environment variable name"},
		{"token_file: " + pat, "github.token_file: looks like a token value"},
		{"token_file: /run/credentials/0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba", "github.token_file: looks like a token value"},
	} {
		got := decodeErr(t, "token_env: GITHUB_TOKEN", tt.line)
		if !strings.Contains(got, tt.field) || strings.Contains(got, strings.SplitN(tt.line, ": ", 2)[1]) {
			t.Errorf("%s: %s", tt.line, got)
		}
	}
	// a path that merely mentions a token kind is a path
	if got := decodeErr(t, "token_env: GITHUB_TOKEN", "token_file: /run/credentials/ghp_token"); got != "" {
		t.Error(got)
	}
}

func TestDecode_Schedules(t *testing.T) {
	for _, spec := range []string{"@every -5m", "@every 0s", "@every 500ms", "@every 1500ms", "CRON_TZ=UTC @every -1m", "TZ=UTC", "0 0 30 2 *"} {
		got := decodeErr(t, `alerts: "@every 5m"`, `alerts: "`+spec+`"`)
		if !strings.Contains(got, "schedules.alerts:") || !strings.Contains(got, spec) {
			t.Errorf("%q: %s", spec, got)
		}
	}
	for _, spec := range []string{"@every 1s", "@every 90m", "*/5 * * * *", "CRON_TZ=Europe/Berlin 0 8 * * 1-5", "@hourly"} {
		if got := decodeErr(t, `alerts: "@every 5m"`, `alerts: "`+spec+`"`); got != "" {
			t.Errorf("%q: %s", spec, got)
		}
	}
	if got := decodeErr(t, `alerts: "@every 5m"`, "alerts: \"@every 5m\"\n  reconcile: \"@every -1h\""); !strings.Contains(got, "schedules.reconcile:") {
		t.Error(got)
	}
}

func TestDecode_MetricsListen(t *testing.T) {
	for _, v := range []string{"garbage", ":99999", "127.0.0.1:0", "127.0.0.1:http", "localhost", "a b:9464"} {
		got := decodeErr(t, "sinks:", "metrics:\n  listen: \""+v+"\"\nsinks:")
		if !strings.Contains(got, "metrics.listen:") {
			t.Errorf("%q: %s", v, got)
		}
	}
	if got := decodeErr(t, "sinks:", "metrics:\n  listen: \"user:hunter2@127.0.0.1:9464\"\nsinks:"); !strings.Contains(got, "metrics.listen:") || strings.Contains(got, "hunter2") {
		t.Error(got)
	}
	for _, v := range []string{":9464", "127.0.0.1:9464", "[::1]:9464", "localhost:65535"} {
		if got := decodeErr(t, "sinks:", "metrics:\n  listen: \""+v+"\"\nsinks:"); got != "" {
			t.Errorf("%q: %s", v, got)
		}
	}
}

func TestDecode_TypeErrorsNameFieldAndType(t *testing.T) {
	tests := []struct{ old, new, want string }{
		{"orgs: [acme]", "orgs: [acme]\n  audit_budget: lots", `github.audit_budget: must be an integer (line 6) (got "lots")`},
		{"orgs: [acme]", "orgs: [acme]\n  overlap: 5 minutes", `github.overlap: must be a duration such as 90s or 15m (line 6) (got "5 minutes")`},
		{"orgs: [acme]", "orgs: [acme]\n  overlap: 5", `github.overlap: must be a duration such as 90s or 15m (line 6) (got "5")`},
		{"orgs: [acme]", "orgs: [acme]\n  overlap: [5m]", `github.overlap: must be a duration such as 90s or 15m (line 6)`},
		{"orgs: [acme]", "orgs: acme", `github.orgs: must be a list (line 5) (got "acme")`},
		{"orgs: [acme]", "orgs: [[acme]]", `github.orgs[0]: must be a string (line 5)`},
		{"orgs: [acme]", "orgs: [acme]\n  app: {app_id: x1}", `github.app.app_id: must be an integer (line 6) (got "x1")`},
		{"state:\n", "records: {include_raw: maybe}\nstate:\n", `records.include_raw: must be true or false (line 7) (got "maybe")`},
		{"state:\n  path: ./ghsec-exporter.db", "state: 5", `state: must be a mapping of keys (line 7) (got "5")`},
		{"  - name: stdout", "  - stdout\n  - name: stdout", `sinks[0]: must be a mapping of keys`},
	}
	for _, tt := range tests {
		if got := decodeErr(t, tt.old, tt.new); !strings.Contains(got, tt.want) {
			t.Errorf("%s:\ngot  %s\nwant %s", tt.new, got, tt.want)
		}
	}
	if _, err := Decode(strings.NewReader("just a string")); err == nil || !strings.Contains(err.Error(), "(document): must be a mapping of keys") {
		t.Errorf("scalar document: %v", err)
	}
}
