package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

func TestRun_WebhookListener_EndToEnd(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.sim.AddRepo("acme/widgets")
	e.sim.AddRepo("other/solo")
	secretFile := filepath.Join(e.dir, "webhook-secret")
	must(t, os.WriteFile(secretFile, []byte(hookSecret), 0o600))
	e.cfg.Webhook = &config.Webhook{Listen: "127.0.0.1:0", Path: config.DefaultWebhookPath, SecretFile: secretFile}
	a, ctx := e.run(Options{})

	addr := a.WebhookAddr(ctx)
	if addr == "" {
		t.Fatal("listener not bound")
	}
	testtools.WaitFor(t, "the first poll", func() bool { return a.jobStats.snapshot()["alerts"].Runs > 0 })
	e.sim.AddHook(ghsim.Hook{URL: "http://" + addr + config.DefaultWebhookPath, Secret: []byte(hookSecret), Org: "acme", APIBase: e.srv.URL})
	e.sim.CreateAlert(ghsim.SecretScanning, "acme/widgets", ghsim.AlertSpec{SecretType: "aws_access_key_id", Secret: leaked})
	if n := e.sim.SendPending(ctx); n != 1 {
		t.Fatalf("delivery not acknowledged")
	}
	resp, err := http.Post("http://"+addr+config.DefaultWebhookPath, "application/json", strings.NewReader(`{"action":"created"}`))
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned POST: %d", resp.StatusCode)
	}
	testtools.WaitFor(t, "the webhook's record in the sink", func() bool { return len(e.records()) > 0 })
	equalLines(t, "listener", summary(e.records()), []string{"secret_scanning acme/widgets#1 created (webhook)"})

	base := serve(t, a)
	metrics := metricsHave(t, base,
		`ghsec_webhook_deliveries_total{result="accepted"} 1`,
		`ghsec_webhook_deliveries_total{result="unauthorized"} 1`,
		`ghsec_webhook_deliveries_total{result="received"} 2`,
		`ghsec_webhook_deliveries_total{result="busy"} 0`,
		`ghsec_webhook_records_total 1`,
		`ghsec_webhook_listener_up 1`,
	)
	h := get(t, base+"/healthz", 200)
	if !strings.Contains(h, `"webhook":{"deliveries"`) || !strings.Contains(h, `"state":"listening"`) ||
		!strings.Contains(h, `"received":2`) || !strings.Contains(h, `"too_large":0`) || !strings.Contains(h, `"out_of_scope":0`) {
		t.Errorf("healthz lacks the listener: %s", h)
	}
	snakeCaseKeys(t, h)
	if strings.Contains(metrics+e.cfg.Webhook.SecretFile, hookSecret) {
		t.Error("secret exposed")
	}
}

func TestRun_WebhookListenerFailure_ShowsInHealth(t *testing.T) {
	e := newEnv(t, "dotcom")
	secretFile := filepath.Join(e.dir, "webhook-secret")
	must(t, os.WriteFile(secretFile, []byte(hookSecret), 0o600))
	e.cfg.Webhook = &config.Webhook{Listen: "256.0.0.1:1", Path: config.DefaultWebhookPath, SecretFile: secretFile}
	a := e.app(Options{})
	defer a.Close()
	a.webhook.handler.Stats() // configured
	go a.serveWebhook(context.Background())
	if addr := a.WebhookAddr(context.Background()); addr != "" {
		t.Fatalf("bound %s", addr)
	}
	base := serve(t, a)
	if h := get(t, base+"/healthz", 503); !strings.Contains(h, "webhook listener failed") {
		t.Errorf("healthz: %s", h)
	}
}

func TestNew_EmptyWebhookSecretIsAConfigError(t *testing.T) {
	e := newEnv(t, "dotcom")
	secretFile := filepath.Join(e.dir, "webhook-secret")
	must(t, os.WriteFile(secretFile, []byte("\n"), 0o600))
	e.cfg.Webhook = &config.Webhook{Listen: "127.0.0.1:0", Path: config.DefaultWebhookPath, SecretFile: secretFile}
	_, err := New(e.cfg, Options{Sinks: sinksOf(t, e.cfg, nil)})
	if err == nil || !strings.Contains(err.Error(), "webhook.secret_file") || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("got %v", err)
	}
}

// snakeCaseKeys fails the test for every key of the JSON document doc that
// is not snake_case: /healthz has one style.
func snakeCaseKeys(t *testing.T, doc string) {
	t.Helper()
	var v any
	must(t, json.Unmarshal([]byte(doc), &v))
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if !snake.MatchString(k) {
					t.Errorf("healthz key %s.%s is not snake_case", path, k)
				}
				walk(path+"."+k, c)
			}
		case []any:
			for i, c := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), c)
			}
		}
	}
	walk("", v)
}
