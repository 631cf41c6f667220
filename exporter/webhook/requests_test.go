package webhook

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ingest"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
)

func (c *counting) CommitWebhookRequest(guid string, o exporter.RequestObservation) (ingest.WebhookResult, error) {
	c.calls.Add(1)
	return c.next.(RequestCommitter).CommitWebhookRequest(guid, o)
}

// Request events as the simulator sends them (GitHub's x-webhooks shape)
// become the records a poll of the list makes, with origin webhook: a
// self-approved dismissal is request_created + request_approved with
// self_reviewed, a denial (webhooks say "rejected") request_denied, a
// cancel request_cancelled; a redelivery emits nothing, and a poll of the
// lists afterwards finds nothing new.
func TestRequestEvents_SameRecordsAsPolling(t *testing.T) {
	r := newRig(t)
	sim := ghsim.New(ghsim.Options{Product: ghsim.ProductGHEC, Now: func() time.Time { return testNow }})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	sim.AddHook(ghsim.Hook{URL: "http://unused", Secret: []byte(testSecret), Org: "acme", APIBase: srv.URL})
	mk := func(kind, target, reason string) int {
		n, err := sim.CreateRequest(ghsim.RequestSpec{Kind: kind, Target: target, Repo: "acme/app", Requester: "dev1", Comment: "pls", Reason: reason, AlertNumber: 4})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	self := mk(ghsim.RequestDismissal, "dependabot", "tolerable_risk")
	denied := mk(ghsim.RequestBypass, "secret_scanning", "false_positive")
	cancelled := mk(ghsim.RequestDismissal, "code_scanning", "false positive")
	pushed := mk(ghsim.RequestBypass, "push_rules", "")
	for _, err := range []error{
		sim.ReviewRequest("acme/app", self, "DEV1", true, "ok by me"),
		sim.ReviewRequest("acme/app", denied, "lead", false, "no"),
		sim.CancelRequest("acme/app", cancelled),
		sim.ReviewRequest("acme/app", pushed, "lead", true, ""),
		sim.CompleteRequest("acme/app", pushed),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	deliveries := sim.PendingDeliveries()
	if len(deliveries) != 9 {
		t.Fatalf("%d deliveries", len(deliveries))
	}
	for _, d := range deliveries {
		if w := r.post(d.Event, d.GUID, d.Body, ""); w.Code != 200 {
			t.Fatalf("%s %s: %d %s\n%s", d.Event, d.Action, w.Code, w.Body, r.logs)
		}
	}
	var got []string
	for _, rec := range r.records() {
		if err := recordschema.Validate(&rec); err != nil {
			t.Error(err)
		}
		s := fmt.Sprintf("%s/%s#%d %s by %s", rec.Request.Kind, rec.Request.Target, rec.Request.Number, rec.Action, rec.Actor)
		if rec.Request.SelfReviewed {
			s += " self"
		}
		if rec.Origin != exporter.OriginWebhook {
			t.Errorf("%s: origin %s", s, rec.Origin)
		}
		got = append(got, s)
	}
	sort.Strings(got)
	want := []string{
		"bypass/push_rules#4 request_approved by lead", "bypass/push_rules#4 request_completed by dev1", "bypass/push_rules#4 request_created by dev1",
		"bypass/secret_scanning#2 request_created by dev1", "bypass/secret_scanning#2 request_denied by lead",
		"dismissal/code_scanning#3 request_cancelled by dev1", "dismissal/code_scanning#3 request_created by dev1",
		"dismissal/dependabot#1 request_approved by DEV1 self", "dismissal/dependabot#1 request_created by dev1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	n := len(r.records())
	d := deliveries[len(deliveries)-1]
	if w := r.post(d.Event, d.GUID, d.Body, ""); w.Code != 200 || len(r.records()) != n {
		t.Fatalf("redelivery: %d, %d records", w.Code, len(r.records()))
	}

	gh, err := ghapi.New(ghapi.Options{BaseURL: srv.URL + "/", Product: "ghec"})
	if err != nil {
		t.Fatal(err)
	}
	q := &ingest.Requests{DB: r.db, GH: gh, Sinks: []string{"out"}, Now: func() time.Time { return testNow }, Period: "month"}
	for _, l := range ghapi.RequestLists(ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}) {
		st, err := q.Poll(context.Background(), l)
		if err != nil || st.Records != 0 {
			t.Errorf("poll %s after the webhooks: %+v, %v", l, st, err)
		}
	}
	if len(r.records()) != n {
		t.Fatalf("polling after the webhooks added %d records", len(r.records())-n)
	}
}

// A request event the receiver cannot record is acknowledged and counted as
// ignored: a license compliance dismissal, no repository, a malformed
// object.
func TestRequestEvents_Ignored(t *testing.T) {
	r := newRig(t)
	for i, body := range []string{
		`{"action":"created","exemption_request":{"id":1,"number":1,"request_type":"license_compliance_dismissal","status":"pending","created_at":"2026-01-05T09:00:00Z"},"repository":{"full_name":"acme/app"}}`,
		`{"action":"created","exemption_request":{"id":1,"number":1,"request_type":"push_ruleset_bypass","status":"pending","created_at":"2026-01-05T09:00:00Z"}}`,
		`{"action":"created","exemption_request":{"id":1,"number":null,"request_type":"push_ruleset_bypass","status":"pending","created_at":"2026-01-05T09:00:00Z"},"repository":{"full_name":"acme/app"}}`,
		`{"action":"created","exemption_request":{"id":1,"number":2,"request_type":"push_ruleset_bypass","status":"Pending!","created_at":"2026-01-05T09:00:00Z"},"repository":{"full_name":"acme/app"}}`,
		`{"action":"created","exemption_request":[],"repository":{"full_name":"acme/app"}}`,
	} {
		if w := r.post("exemption_request_push_ruleset", fmt.Sprintf("g%d", i), []byte(body), ""); w.Code != 202 {
			t.Errorf("body %d: %d", i, w.Code)
		}
	}
	if n := len(r.records()); n != 0 {
		t.Fatalf("%d records", n)
	}
	if s := r.h.Stats(); s.Ignored != 5 {
		t.Fatalf("stats %+v", s)
	}
}
