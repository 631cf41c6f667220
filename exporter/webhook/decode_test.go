package webhook

import (
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// A body whose alert names another kind than its event is ignored, for a
// reason, not recorded as a phantom alert of the event's kind.
func TestDecode_BodyContradictingItsEventIsIgnored(t *testing.T) {
	body := func(url, html string) []byte {
		return []byte(`{"action":"dismissed","repository":{"full_name":"acme/widgets"},"alert":{"number":3,"state":"dismissed",` +
			`"created_at":"2025-03-10T08:00:00Z","updated_at":"2025-03-10T09:00:00Z","url":"` + url + `","html_url":"` + html + `"}}`)
	}
	dep := body("https://api.github.com/repos/acme/widgets/dependabot/alerts/3", "https://github.com/acme/widgets/security/dependabot/3")
	for _, event := range []string{"code_scanning_alert", "secret_scanning_alert"} {
		ev, err := Decode(event, dep, false)
		if err != nil {
			t.Fatalf("%s: %v", event, err)
		}
		if ev.Alert != nil || !strings.Contains(ev.Ignored, "names a dependabot alert") {
			t.Fatalf("%s: a Dependabot body must be ignored, got alert %v, ignored %q", event, ev.Alert != nil, ev.Ignored)
		}
	}
	// GHES urls and an html_url alone decide the same way.
	ghes := body("", "https://ghe.example.com/acme/widgets/security/code-scanning/3")
	if ev, _ := Decode("dependabot_alert", ghes, false); ev.Alert != nil || ev.Ignored == "" {
		t.Fatalf("a code scanning html_url sent as dependabot_alert must be ignored: %+v", ev)
	}
	for event, src := range map[string]exporter.Source{"dependabot_alert": exporter.SourceDependabot} {
		ev, err := Decode(event, dep, false)
		if err != nil || ev.Alert == nil || ev.Alert.Key.Source != src {
			t.Fatalf("%s: the matching body must decode: %+v %v", event, ev, err)
		}
	}
}
