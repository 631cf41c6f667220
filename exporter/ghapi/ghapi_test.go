package ghapi

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

func TestNextLink(t *testing.T) {
	for h, want := range map[string]string{
		`<https://api.github.com/orgs/a/dependabot/alerts?after=Y3Vy&per_page=100>; rel="next", <https://x/?before=Zm9v>; rel="prev"`: "https://api.github.com/orgs/a/dependabot/alerts?after=Y3Vy&per_page=100",
		`<https://x/?page=1>; rel="prev", <https://x/?page=3>; rel="next", <https://x/?page=9>; rel="last"`:                           "https://x/?page=3",
		`<https://x/?page=1>; rel="first"`: "",
		``:                                 "",
	} {
		if got := nextLink(h); got != want {
			t.Errorf("nextLink(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              -1,
		"30":                            30 * time.Second,
		"0":                             0,
		"Mon, 05 Jan 2026 09:01:00 GMT": time.Minute,
		"Mon, 05 Jan 2026 08:00:00 GMT": 0,
		"soon":                          -1,
	} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestDecodeAlert_SecretNeverKept(t *testing.T) {
	raw := json.RawMessage(`{"number":3,"state":"open","secret_type":"github_personal_access_token","secret":"ghp_LEAKED","validity":"active",
		"push_protection_bypassed":true,"push_protection_bypassed_by":{"login":"dev1"},"push_protection_bypassed_at":"2026-01-05T09:00:00Z",
		"created_at":"2026-01-05T08:00:00Z","updated_at":"2026-01-05T09:00:00Z","repository":{"full_name":"acme/widgets"}}`)
	o, err := decodeAlert(exporter.SourceSecretScanning, raw, Scope{Kind: ScopeOrg, Name: "acme"}, true)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(o)
	if bytes.Contains(b, []byte("ghp_LEAKED")) || bytes.Contains(o.Raw, []byte("ghp_LEAKED")) {
		t.Fatal("the secret survived decoding")
	}
	if !o.Bypassed || o.BypassedBy != "dev1" || o.Validity != "active" || o.Key.Repo != "acme/widgets" || o.Org != "acme" {
		t.Fatalf("decoded wrong: %+v", o)
	}
}

func TestDecodeAlert_Rejects(t *testing.T) {
	for name, raw := range map[string]string{
		"not an object":     `[1]`,
		"no number":         `{"state":"open","repository":{"full_name":"a/b"}}`,
		"org list, no repo": `{"number":1,"state":"open"}`,
		"bad timestamp":     `{"number":1,"created_at":"yesterday","repository":{"full_name":"a/b"}}`,
	} {
		if _, err := decodeAlert(exporter.SourceDependabot, json.RawMessage(raw), Scope{Kind: ScopeOrg, Name: "a"}, false); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSeverityMapping_CodeScanning(t *testing.T) {
	raw := json.RawMessage(`{"number":1,"state":"dismissed","dismissed_at":"2026-01-05T09:00:00Z","dismissed_by":{"login":"dave"},"dismissed_reason":"false positive",
		"rule":{"id":"js/xss","severity":"error","security_severity_level":"critical","description":"XSS"},"tool":{"name":"CodeQL"}}`)
	o, err := decodeAlert(exporter.SourceCodeScanning, raw, Scope{Kind: ScopeRepo, Name: "acme/w"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if o.Severity != "critical" || o.SeverityRaw != "critical" || o.ClosedBy != "dave" || o.Reason != "false positive" || o.Tool != "CodeQL" || o.Key.Repo != "acme/w" {
		t.Fatalf("%+v", o)
	}
}

func TestHasHideSecret(t *testing.T) {
	for _, c := range []struct {
		product, version string
		want             bool
	}{{"dotcom", "", true}, {"ghec", "", true}, {"ghes", "", true}, {"ghes", "3.19", true}, {"ghes", "3.16", true}, {"ghes", "3.15", false}} {
		cl := &Client{opts: Options{Product: c.product, GHESVersion: c.version}}
		if got := cl.hasHideSecret(); got != c.want {
			t.Errorf("%s %s: %v", c.product, c.version, got)
		}
	}
}

func TestDecodeAudit(t *testing.T) {
	e, err := decodeAudit(json.RawMessage(`{"@timestamp":1767603600123,"_document_id":"d1","action":"secret_scanning_alert.resolve","actor":"bob","org":"acme","repo":"widgets"}`))
	if err != nil || e.At != time.UnixMilli(1767603600123).UTC() || e.Repo != "acme/widgets" || e.DocumentID != "d1" {
		t.Fatalf("%+v %v", e, err)
	}
	if _, err := decodeAudit(json.RawMessage(`{"@timestamp":1,"action":"x"}`)); err == nil {
		t.Fatal("an entry without _document_id cannot be deduplicated and must fail")
	}
}
