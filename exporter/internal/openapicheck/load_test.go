package openapicheck

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// fakeTB records Skip/Fatal instead of ending the real test.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skip(args ...any) {
	f.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatal(args ...any) {
	f.failed = fmt.Sprint(args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// runFake runs fn with a fakeTB on its own goroutine, as Goexit needs.
func runFake(t *testing.T, fn func(testing.TB)) *fakeTB {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f
}

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
			f := runFake(t, fn)
			msg := f.skipped
			if !tc.wantSkip {
				msg = f.failed
			}
			if !strings.Contains(msg, "scripts/setup-test-deps.sh") {
				t.Errorf("CI=%q %s: skipped %q, failed %q", tc.ci, name, f.skipped, f.failed)
			}
		}
	}
}

func TestLoad_UnknownProduct(t *testing.T) {
	f := runFake(t, func(tb testing.TB) { Load(tb, "ghes-3.15") })
	if !strings.Contains(f.failed, `unknown product "ghes-3.15"`) || !strings.Contains(f.failed, "ghes-3.19") {
		t.Errorf("failed %q", f.failed)
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
	f := runFake(t, func(tb testing.TB) { WebhookExamples(tb, "no_such_event") })
	if !strings.Contains(f.failed, `no example for event "no_such_event"`) {
		t.Errorf("failed %q", f.failed)
	}
}
