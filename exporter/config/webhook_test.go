package config

import (
	"os"
	"strings"
	"testing"
)

func TestDecode_Webhook(t *testing.T) {
	ok := minimal + `webhook:
  listen: 127.0.0.1:9465
  secret_file: /run/credentials/ghsec-exporter.service/webhook-secret
  redelivery:
    hooks:
      - {org: acme, id: 12345678}
`
	cfg, err := Decode(strings.NewReader(ok))
	if err != nil {
		t.Fatal(err)
	}
	w := cfg.Webhook
	if w.Path != DefaultWebhookPath || w.BodyBudgetMiB != 8 || w.Redelivery.Schedule != "@every 10m" || w.Redelivery.Window.D().Hours() != 72 {
		t.Fatalf("defaults missing: %+v %+v", w, w.Redelivery)
	}
	if c, _ := Decode(strings.NewReader(minimal)); c.Webhook != nil {
		t.Fatal("webhook must be off unless configured")
	}
	tests := []struct{ name, from, to, want string }{
		{"no secret", "  secret_file: /run/credentials/ghsec-exporter.service/webhook-secret\n", "", "webhook.secret_file: missing"},
		{"both secrets", "  secret_file:", "  secret_env: X\n  secret_file:", "not both"},
		{"bad listen", "127.0.0.1:9465", "localhost", `webhook.listen: must be host:port such as 127.0.0.1:9465 (got "localhost")`},
		{"port out of range", "127.0.0.1:9465", "127.0.0.1:99999", `webhook.listen: port must be a number from 1 to 65535 (got "127.0.0.1:99999")`},
		{"every second", "    hooks:", "    schedule: \"@every 0s\"\n    hooks:", "webhook.redelivery.schedule: @every needs a positive whole number of seconds"},
		{"token as env name", "  secret_file: /run/credentials/ghsec-exporter.service/webhook-secret\n", "  secret_env: ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", "webhook.secret"},
		{"cert without key", "  listen:", "  tls_cert_file: /c.pem\n  listen:", "webhook.tls_key_file: set both"},
		{"hook without id", "{org: acme, id: 12345678}", "{org: acme}", "webhook.redelivery.hooks[0].id: must be the hook's numeric id"},
		{"hook org and repo", "{org: acme, id: 12345678}", "{org: acme, repo: a/b, id: 1}", "webhook.redelivery.hooks[0]: set exactly one of org or repo"},
		{"app without github.app", "    hooks:\n      - {org: acme, id: 12345678}\n", "    app: true\n", "webhook.redelivery.app: needs github.app"},
		{"window too long", "    hooks:", "    window: 400h\n    hooks:", "webhook.redelivery.window: must be between 1h and 168h"},
		{"negative body budget", "  listen:", "  body_budget_mib: -1\n  listen:", "webhook.body_budget_mib: must be between 1 and 1024"},
		{"body budget too large", "  listen:", "  body_budget_mib: 4096\n  listen:", "webhook.body_budget_mib: must be between 1 and 1024"},
		{"unknown key", "  listen:", "  listn: x\n  listen:", "webhook.listn: unknown key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y := strings.Replace(ok, tc.from, tc.to, 1)
			_, err := Decode(strings.NewReader(y))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "ghp_") {
				t.Errorf("the error echoes a token-like value: %v", err)
			}
		})
	}
}

// The commented webhook section of config.example.yaml is valid once
// uncommented.
func TestConfigExample_WebhookSectionIsValid(t *testing.T) {
	raw, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var sec []string
	on := false
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "# webhook:") {
			on = true
		} else if on && !strings.HasPrefix(l, "#  ") {
			break
		}
		if on {
			sec = append(sec, strings.TrimPrefix(l, "# "))
		}
	}
	cfg, err := Decode(strings.NewReader(minimal + strings.Join(sec, "\n") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Webhook == nil || len(cfg.Webhook.Redelivery.Hooks) != 1 {
		t.Fatalf("webhook section not decoded: %+v", cfg.Webhook)
	}
}
