package ghapi

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

func decodeExample(t *testing.T, src exporter.Source, file string) []exporter.Observation {
	t.Helper()
	body, err := os.ReadFile("testdata/github/" + file)
	if err != nil {
		t.Fatal(err)
	}
	items, err := decodePage(body, src, Scope{Kind: ScopeOrg, Name: "octocat"}, false, newRepoCache())
	if err != nil {
		t.Fatal(err)
	}
	var out []exporter.Observation
	for _, it := range items {
		if it.err != nil {
			t.Fatalf("%s: %v", file, it.err)
		}
		out = append(out, it.o)
	}
	return out
}

// GitHub's own examples: the details every record of the alert carries,
// EPSS included though the example gives its percentile as a string.
func TestDetails_GitHubExamples(t *testing.T) {
	dep := decodeExample(t, exporter.SourceDependabot, "dependabot__list-alerts-for-org.200.default.json")
	if got := dep[0].Details.EPSS; got == nil || *got != (exporter.EPSS{Percentage: 0.00045, Percentile: 0.16001}) {
		t.Errorf("epss = %+v", got)
	}
	if dep[0].GHSAID == "" || dep[0].Title == "" || dep[0].SeverityRaw == "" {
		t.Errorf("the typed advisory was lost to the shadowing member: %+v", dep[0])
	}
	if dep[1].Details.EPSS != nil {
		t.Errorf("no epss in the example, got %+v", dep[1].Details.EPSS)
	}
	if !reflect.DeepEqual(dep[0].Assignees, []string{"octocat"}) {
		t.Errorf("assignees = %v", dep[0].Assignees)
	}

	ss := decodeExample(t, exporter.SourceSecretScanning, "secret-scanning__list-alerts-for-org.200.default.json")
	d := ss[0].Details
	if d.MultiRepo == nil || *d.MultiRepo || d.IsBase64Encoded == nil || *d.IsBase64Encoded || d.HasMoreLocations == nil || !*d.HasMoreLocations {
		t.Errorf("flags = %+v", d)
	}
	var loc map[string]any
	if err := json.Unmarshal(d.FirstLocationDetected, &loc); err != nil || loc["path"] != "/example/secrets.txt" || loc["commit_sha"] == nil {
		t.Errorf("first_location_detected = %s (%v)", d.FirstLocationDetected, err)
	}

	cs := decodeExample(t, exporter.SourceCodeScanning, "code-scanning__list-alerts-for-org.200.default.json")
	if cs[0].Details.Ref != "refs/heads/main" {
		t.Errorf("code scanning ref = %q, want most_recent_instance.ref", cs[0].Details.Ref)
	}
}

// Each member stands alone: a malformed one is left out, the alert and the
// other members are kept; out-of-range scores are not scores.
func TestDetails_MalformedMembersAreLeftOut(t *testing.T) {
	raw := `{"number":1,"state":"open","secret_type":"x","provider":7,"provider_slug":"slack","multi_repo":"yes","is_base64_encoded":true,
		"has_more_locations":null,"first_location_detected":[1],"validity":"active","created_at":"2026-01-05T08:00:00Z"}`
	o, err := decodeAlert(exporter.SourceSecretScanning, json.RawMessage(raw), Scope{Kind: ScopeRepo, Name: "acme/w"}, false)
	if err != nil {
		t.Fatal(err)
	}
	d := o.Details
	if d.Provider != "" || d.ProviderSlug != "slack" || d.MultiRepo != nil || d.IsBase64Encoded == nil || !*d.IsBase64Encoded ||
		d.HasMoreLocations != nil || d.FirstLocationDetected != nil || o.Validity != "active" {
		t.Fatalf("%+v / %+v", d, o)
	}

	for name, adv := range map[string]string{
		"epss above 100":       `"epss":{"percentage":101,"percentile":0.5}`,
		"epss not a number":    `"epss":{"percentage":"high","percentile":0.5}`,
		"epss missing a score": `"epss":{"percentage":0.5}`,
		"epss below 0":         `"epss":{"percentage":-1,"percentile":0.5}`,
		"epss not an object":   `"epss":"high"`,
	} {
		raw := `{"number":1,"state":"open","security_advisory":{"ghsa_id":"GHSA-1","severity":"high",` + adv + `},"created_at":"2026-01-05T08:00:00Z"}`
		o, err := decodeAlert(exporter.SourceDependabot, json.RawMessage(raw), Scope{Kind: ScopeRepo, Name: "acme/w"}, false)
		if err != nil {
			t.Fatalf("%s: the alert was refused: %v", name, err)
		}
		if o.Details.EPSS != nil || o.GHSAID != "GHSA-1" || o.Severity != "high" {
			t.Errorf("%s: %+v", name, o)
		}
	}
}

// The advisory's typed members keep the strictness of v62's struct: a
// member of the wrong type refuses the alert, as before the shadowing.
func TestDetails_AdvisoryStaysStrict(t *testing.T) {
	raw := `{"number":1,"state":"open","security_advisory":{"ghsa_id":7},"created_at":"2026-01-05T08:00:00Z"}`
	if _, err := decodeAlert(exporter.SourceDependabot, json.RawMessage(raw), Scope{Kind: ScopeRepo, Name: "acme/w"}, false); err == nil {
		t.Fatal("a numeric ghsa_id was accepted")
	}
}
