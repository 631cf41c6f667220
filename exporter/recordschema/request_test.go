package recordschema

import (
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Every record the request diff makes validates; a request record without
// its request, or an alert record carrying one, does not.
func TestValidate_Requests(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	obs := exporter.RequestObservation{
		Key: exporter.RequestKey{Kind: "dismissal", Target: "secret_scanning", Scope: "acme/w", Number: 42},
		ID:  21, Org: "acme", Repo: "acme/w", Status: "completed", Reason: "false_positive",
		Requester: "dev1", RequesterComment: "test token",
		Reviews:      []exporter.RequestReview{{Reviewer: "dev1", Status: "approved", Comment: "mine", At: t0.Add(time.Hour)}},
		AlertNumbers: []int{17, 19}, SecretType: "adafruit_io_key", CreatedAt: t0, ExpiresAt: t0.Add(7 * 24 * time.Hour),
		HTMLURL: "https://github.com/acme/w/security/secret-scanning/17",
	}
	recs, _ := exporter.DiffRequest(nil, &obs, exporter.OriginPoll, t0.Add(2*time.Hour))
	bypass := obs
	bypass.Key.Kind, bypass.Key.Target, bypass.AlertNumbers, bypass.Status = "bypass", "push_rules", nil, "deleted"
	more, _ := exporter.DiffRequest(&exporter.RequestSnapshot{Status: "pending", Done: 1}, &bypass, exporter.OriginWebhook, t0.Add(2*time.Hour))
	recs = append(recs, more...)
	if len(recs) != 2*3+2 {
		t.Fatalf("%d records", len(recs))
	}
	for i := range recs {
		if err := Validate(&recs[i]); err != nil {
			t.Errorf("%s: %v", recs[i].Action, err)
		}
	}
	noRequest := recs[0]
	noRequest.Request = nil
	alertWithRequest := exporter.Record{Schema: 1, ID: recs[0].ID, Time: t0, ObservedAt: t0, Category: "alert", Source: "dependabot",
		Action: "created", Origin: "poll", Repo: "acme/w", Alert: &exporter.AlertInfo{Number: 1, State: "open"}, Request: recs[0].Request}
	alertWithoutState := alertWithRequest
	alertWithoutState.Request, alertWithoutState.Alert = nil, &exporter.AlertInfo{Number: 1}
	wrongAction := recs[0]
	wrongAction.Action = "dismissed"
	for name, r := range map[string]exporter.Record{"request without request": noRequest, "alert with request": alertWithRequest,
		"alert without state": alertWithoutState, "request with an alert action": wrongAction} {
		if Validate(&r) == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
