package openapicheck

import (
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

func TestLoad_MissingPackage(t *testing.T) {
	t.Setenv("GHSEC_TOOLS_DIR", t.TempDir())
	for _, tc := range []struct {
		ci       string
		wantSkip bool
	}{{"", true}, {"false", true}, {"true", false}, {"1", false}} {
		t.Setenv("CI", tc.ci)
		for name, fn := range map[string]func(testing.TB){
			"Load":            func(tb testing.TB) { Load(tb, "ghes-3.19") },
			"WebhookExamples": func(tb testing.TB) { WebhookExamples(tb, "dependabot_alert") },
		} {
			skipped, failed := testtools.Capture(t, fn)
			msg := skipped
			if !tc.wantSkip {
				msg = failed
			}
			if !strings.Contains(msg, "scripts/setup-test-deps.sh") {
				t.Errorf("CI=%q %s: skipped %q, failed %q", tc.ci, name, skipped, failed)
			}
		}
	}
}

func TestLoad_UnknownProduct(t *testing.T) {
	_, failed := testtools.Capture(t, func(tb testing.TB) { Load(tb, "ghes-3.15") })
	if !strings.Contains(failed, `unknown product "ghes-3.15"`) || !strings.Contains(failed, "ghes-3.19") {
		t.Errorf("failed %q", failed)
	}
}

func TestLoad_Cached(t *testing.T) {
	first := Load(t, ghes)
	if second := Load(t, ghes); first != second {
		t.Error("second Load built a new Checker")
	}
	if got := Load(t, ghes).Product(); got != ghes {
		t.Errorf("Product() = %q", got)
	}
}

func TestWebhookExamples_UnknownEvent(t *testing.T) {
	WebhookExamples(t, "dependabot_alert") // skip here, not in the fake, when not installed
	_, failed := testtools.Capture(t, func(tb testing.TB) { WebhookExamples(tb, "no_such_event") })
	if !strings.Contains(failed, `no example for event "no_such_event"`) {
		t.Errorf("failed %q", failed)
	}
}
