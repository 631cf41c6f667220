package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// requestLines renders the request records as sorted lines.
func requestLines(recs []exporter.Record) []string {
	var out []string
	for _, r := range recs {
		if r.Category != exporter.CategoryRequest {
			continue
		}
		s := fmt.Sprintf("%s %s %s#%d %s", r.Request.Kind, r.Request.Target, r.Repo, r.Request.Number, r.Action)
		if r.Alert != nil {
			s += fmt.Sprintf(" alert#%d", r.Alert.Number)
		}
		if r.Actor != "" {
			s += " by " + r.Actor
		}
		if r.Request.SelfReviewed {
			s += " self-reviewed"
		}
		out = append(out, s+" ("+string(r.Origin)+")")
	}
	sort.Strings(out)
	return out
}

// End to end against the simulator (GHEC): a dismissal request approved by
// its own requester is request_created + request_approved with
// self_reviewed, joined to its alert by alert.number; an unreviewed one
// expires after 7 days; nothing is emitted twice, and an unchanged list
// costs a 304.
func TestRequests_EndToEnd(t *testing.T) {
	e := newEnv(t, "ghec")
	e.cfg.GitHub.Repos = nil
	alert := e.sim.CreateAlert(ghsim.Dependabot, "acme/app", ghsim.AlertSpec{Severity: "high", Package: "lodash"})
	n1, err := e.sim.CreateRequest(ghsim.RequestSpec{Kind: ghsim.RequestDismissal, Target: "dependabot", Repo: "acme/app",
		Requester: "dev1", Comment: "internal tool", Reason: "tolerable_risk", AlertNumber: alert})
	if err != nil {
		t.Fatal(err)
	}
	e.sim.Advance(time.Minute)
	if err := e.sim.ReviewRequest("acme/app", n1, "dev1", true, "mine anyway"); err != nil {
		t.Fatal(err)
	}
	n2, _ := e.sim.CreateRequest(ghsim.RequestSpec{Kind: ghsim.RequestBypass, Target: "push_rules", Repo: "acme/app", Requester: "dev2", Reason: "hotfix"})
	a := e.app(Options{})
	defer a.Close()
	ctx := context.Background()
	if err := a.Once(ctx, 5*time.Second, false); err != nil {
		t.Fatal(err)
	}
	equalLines(t, "first poll", requestLines(e.records()), []string{
		"dismissal dependabot acme/app#1 request_created alert#1 by dev1 self-reviewed (backfill)",
		"dismissal dependabot acme/app#1 request_approved alert#1 by dev1 self-reviewed (backfill)",
		fmt.Sprintf("bypass push_rules acme/app#%d request_created by dev2 (backfill)", n2),
	})
	for _, r := range e.records() {
		if r.Action == exporter.ActionRequestApproved && (r.Request.ReviewerComment != "mine anyway" || r.Request.Reason != "tolerable_risk" ||
			r.Request.RequesterComment != "internal tool" || r.Source != exporter.SourceDependabot || r.Org != "acme") {
			t.Errorf("approved record: %+v %+v", r, r.Request)
		}
		// the alert's severity, from its snapshot: "approved for a high
		// alert" is answerable from the request record alone
		if r.Category == exporter.CategoryRequest && r.Alert != nil && r.Alert.Severity != "high" {
			t.Errorf("%s record of a request about a high alert has severity %q", r.Action, r.Alert.Severity)
		}
	}

	// unchanged: every list answers 304 and nothing new is emitted
	before := len(e.sim.Requests())
	if err := a.PollRequests(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.sim.Requests()[before:] {
		if r.Status != 304 || r.Cost != 0 {
			t.Errorf("steady-state request %s: %d, cost %d", r.Path, r.Status, r.Cost)
		}
	}

	// seven days later the bypass request expired unreviewed
	e.sim.Advance(ghsim.RequestExpiry)
	if err := a.PollRequests(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got := requestLines(e.records())
	want := fmt.Sprintf("bypass push_rules acme/app#%d request_expired (poll)", n2)
	if len(got) != 4 || !slices.Contains(got, want) {
		t.Fatalf("after expiry:\n%s\nwant last %s", strings.Join(got, "\n"), want)
	}
	for _, r := range e.records() {
		if r.Action == exporter.ActionRequestExpired && !r.Time.Equal(r.Request.ExpiresAt.UTC()) {
			t.Errorf("expired at %s, expires_at %s", r.Time, r.Request.ExpiresAt)
		}
	}
	e.checkOpenAPI("ghec")
}

// A product or plan without request lists answers 404: one WARN per scope,
// no job failure, a metric at 0 and a /healthz part, re-checked daily.
func TestRequests_Missing404WarnsOncePerScope(t *testing.T) {
	e := newEnv(t, "ghec")
	e.sim.AddRepo("acme/app")
	e.sim.AddRepo("other/solo")
	e.sim.SetRequestsMissing("acme", true)
	var logs testtools.Logs
	a := e.app(Options{Logger: logs.Logger()})
	defer a.Close()
	ctx := context.Background()
	listed := func(org string) int {
		n := 0
		for _, r := range e.sim.Requests() {
			if strings.Contains(r.Path, "/orgs/"+org+"/") && strings.Contains(r.Path, "-requests/") {
				n++
			}
		}
		return n
	}
	for i := 0; i < 3; i++ {
		if err := a.PollRequests(ctx); err != nil {
			t.Fatalf("poll %d: a missing feature failed the job: %v", i, err)
		}
		e.sim.Advance(RequestRecheck / 4)
	}
	if n := listed("acme"); n != 5 {
		t.Fatalf("request-list requests for acme within a day: %d, want 5 (one per list)", n)
	}
	if n := strings.Count(logs.String(), "request lists answer 404"); n != 1 {
		t.Fatalf("warnings: %d, want 1 (one scope); log:\n%s", n, logs.String())
	}
	h := a.Handler()
	m := serveGet(t, h, "/metrics")
	for _, want := range []string{
		`ghsec_github_request_list_available{kind="dismissal",scope="org:acme",target="dependabot"} 0`,
		`ghsec_github_request_list_available{kind="bypass",scope="repo:other/solo",target="push_rules"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Fatalf("metric %s missing:\n%s", want, grepLines(m, "request_list_available"))
		}
	}
	var health struct {
		GitHub struct {
			Unavailable []RequestStatus `json:"request_lists_unavailable"`
		} `json:"github"`
	}
	if err := json.Unmarshal([]byte(serveGet(t, h, "/healthz")), &health); err != nil {
		t.Fatal(err)
	}
	if u := health.GitHub.Unavailable; len(u) != 5 || !strings.HasPrefix(u[0].List, "org:acme/") {
		t.Fatalf("healthz request_lists_unavailable = %+v", u)
	}
	e.sim.SetRequestsMissing("acme", false)
	e.sim.Advance(RequestRecheck / 4)
	if err := a.PollRequests(ctx); err != nil {
		t.Fatal(err)
	}
	if n := listed("acme"); n != 10 || !strings.Contains(logs.String(), "request list now available") {
		t.Fatalf("after a day: %d requests; log:\n%s", n, logs.String())
	}
	e.checkOpenAPI("ghec")
}

// TestRequests_SteadyStateCost is the figure for the request lists:
// requests and rate-limit units of a steady-state poll of an org, alert
// lists alone (before) and with the five request lists (after), for an org
// whose request lists fit one page and for one with 250 dismissal requests
// in the window (three pages, re-read every poll).
func TestRequests_SteadyStateCost(t *testing.T) {
	for _, n := range []int{3, 250} {
		e := newEnv(t, "ghec")
		e.cfg.GitHub.Repos = nil
		for i := 0; i < 30; i++ {
			e.sim.CreateAlert(ghsim.Kinds[i%3], "acme/app", ghsim.AlertSpec{Severity: "high"})
		}
		for i := 0; i < n; i++ {
			if _, err := e.sim.CreateRequest(ghsim.RequestSpec{Kind: ghsim.RequestDismissal, Target: "dependabot", Repo: "acme/app", Requester: "dev", AlertNumber: 1}); err != nil {
				t.Fatal(err)
			}
		}
		a := e.app(Options{})
		ctx := context.Background()
		if err := a.Once(ctx, 5*time.Second, false); err != nil {
			t.Fatal(err)
		}
		e.sim.Advance(10 * time.Minute)
		cost := func(fn func(context.Context) error) (reqs, units int) {
			before := len(e.sim.Requests())
			if err := fn(ctx); err != nil {
				t.Fatal(err)
			}
			for _, r := range e.sim.Requests()[before:] {
				reqs++
				units += r.Cost
			}
			return reqs, units
		}
		ar, au := cost(a.PollAlerts)
		rr, ru := cost(a.PollRequests)
		a.Close()
		t.Logf("org with %d requests in the window: alert lists %d requests / %d units; request lists %d requests / %d units; total %d / %d",
			n, ar, au, rr, ru, ar+rr, au+ru)
		if au != 0 || (n < 100 && (rr != 5 || ru != 0)) || (n >= 100 && (rr != 4+(n+99)/100 || ru != (n+99)/100)) {
			t.Errorf("steady state with %d requests: alerts %d/%d, requests %d/%d", n, ar, au, rr, ru)
		}
	}
}
