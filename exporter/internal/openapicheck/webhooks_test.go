package openapicheck

import (
	"encoding/json"
	"testing"
)

func TestWebhookExamples_SecurityEvents(t *testing.T) {
	for _, tc := range []struct {
		event   string
		actions []string // each must appear at least once
		state   map[string]string
	}{
		{"dependabot_alert", []string{"created", "fixed"}, map[string]string{"created": "open", "fixed": "fixed"}},
		{"code_scanning_alert", []string{"created", "fixed", "closed_by_user", "reopened"},
			map[string]string{"created": "open", "fixed": "fixed", "closed_by_user": "dismissed", "reopened": "open"}},
		// The only secret_scanning_alert example (GHES files) predates the
		// alert's state field: number and resolution only.
		{"secret_scanning_alert", []string{"reopened"}, map[string]string{"reopened": ""}},
		{"secret_scanning_alert_location", []string{"created"}, nil},
		{"repository_vulnerability_alert", []string{"create", "dismiss"}, nil},
		{"security_advisory", []string{"published", "updated", "withdrawn"}, nil},
	} {
		t.Run(tc.event, func(t *testing.T) {
			got := map[string]int{}
			for i, b := range WebhookExamples(t, tc.event) {
				var p struct {
					Action string `json:"action"`
					Alert  *struct {
						State  string `json:"state"`
						Number int    `json:"number"`
					} `json:"alert"`
				}
				if err := json.Unmarshal(b, &p); err != nil {
					t.Fatalf("example %d: %v", i, err)
				}
				got[p.Action]++
				if want, ok := tc.state[p.Action]; ok {
					if p.Alert == nil || p.Alert.State != want || p.Alert.Number == 0 {
						t.Errorf("%s example %d: alert %+v, want state %q and a number", p.Action, i, p.Alert, want)
					}
				}
			}
			for _, a := range tc.actions {
				if got[a] == 0 {
					t.Errorf("no %s.%s example (have %v)", tc.event, a, got)
				}
			}
		})
	}
}

func TestWebhookExamples_Distinct(t *testing.T) {
	a := WebhookExamples(t, "code_scanning_alert")
	seen := map[string]bool{}
	for _, b := range a {
		if seen[string(b)] {
			t.Errorf("duplicate example returned")
		}
		seen[string(b)] = true
	}
	a[0][0] = 'x' // callers own their copies
	if b := WebhookExamples(t, "code_scanning_alert"); b[0][0] != '{' {
		t.Error("WebhookExamples returned shared buffers")
	}
}
