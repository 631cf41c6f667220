package config

import (
	"errors"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzDecode feeds arbitrary documents to the loader. It must never panic;
// every refusal either names a field (a *FieldError with a path) or is a
// YAML syntax error with its line; and an accepted config, printed the way
// check-config prints it, must load again to the same config.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(minimal))
	if b, err := os.ReadFile("../../config.example.yaml"); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		"", "~", "[]", "just a string", "github: 5", "sinks: {a: b}", "sinks: [5, [1], {name: x}]",
		strings.Replace(minimal, `"@every 5m"`, `"TZ=UTC"`, 1),
		strings.Replace(minimal, `"@every 5m"`, `"@every -5m"`, 1),
		strings.Replace(minimal, "orgs: [acme]", "orgs: [acme]\n  overlap: 5 minutes\n  audit_budget: [1]", 1),
		strings.Replace(minimal, "https://api.github.com/", "https://u:p@h/", 1),
		strings.Replace(minimal, "token_env: GITHUB_TOKEN", "app: {app_id: 1, installation_id: 2, private_key_file: k.pem}", 1),
		"metrics: {listen: ':99999'}\n" + minimal,
		"a: &a [*a]\n", "x: &x {y: *x}\ngithub: *x\n",
		"github:\n  orgs: &o [a, b]\n  repos: *o\n",
		"schedules: {alerts: '0 0 30 2 *'}\n",
		"---\n---\n", "%YAML 1.2\n---\n{}", "github: !!binary aGVsbG8=",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		cfg, err := Decode(strings.NewReader(string(doc)))
		if err != nil {
			for _, e := range Flatten(err) {
				var fe *FieldError
				switch {
				case errors.As(e, &fe):
					if fe.Path == "" {
						t.Fatalf("field error without a path: %v", e)
					}
				case errors.Is(e, ErrSyntax):
					// a syntax error: yaml names the line
				default:
					t.Fatalf("refusal names no field: %v", e)
				}
			}
			return
		}
		out, err := yaml.Marshal(cfg)
		if err != nil {
			t.Fatalf("print accepted config: %v", err)
		}
		again, err := Decode(strings.NewReader(string(out)))
		if err != nil {
			t.Fatalf("printed config does not load: %v\n%s", err, out)
		}
		out2, _ := yaml.Marshal(again)
		if string(out) != string(out2) {
			t.Fatalf("printed config loads differently:\n%s\n---\n%s", out, out2)
		}
	})
}
