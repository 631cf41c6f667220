package ghsim

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
)

func TestETag_ConditionalRequestIsFree(t *testing.T) {
	s := New(Options{})
	s.CreateAlert(Dependabot, "acme/app", AlertSpec{})
	srv := start(t, s)
	paths := []string{"/repos/acme/app/dependabot/alerts", "/orgs/acme/dependabot/alerts", "/repos/acme/app/dependabot/alerts/1", "/orgs/acme/audit-log"}
	for _, p := range paths {
		first := get(t, srv, p)
		etag := first.header.Get("ETag")
		if first.status != http.StatusOK || !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") {
			t.Fatalf("GET %s: %d, ETag %q; want 200 with a strong ETag", p, first.status, etag)
		}
		before := s.RateLimitRemaining()
		for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag} {
			g := get(t, srv, p, "If-None-Match", inm)
			if g.status != http.StatusNotModified || len(g.body) != 0 || g.header.Get("ETag") != etag {
				t.Errorf("GET %s If-None-Match %s = %d %q", p, inm, g.status, g.body)
			}
			if g.header.Get("X-RateLimit-Remaining") != strconv.Itoa(before) {
				t.Errorf("304 changed remaining to %s, want %d", g.header.Get("X-RateLimit-Remaining"), before)
			}
		}
		if s.RateLimitRemaining() != before {
			t.Errorf("304s cost %d units", before-s.RateLimitRemaining())
		}
		reqs := s.Requests()
		if last := reqs[len(reqs)-1]; last.Status != http.StatusNotModified || last.Cost != 0 {
			t.Errorf("recorded %+v, want 304 costing 0", last)
		}
	}
	// A change produces a new body and ETag: the old one no longer matches.
	old := get(t, srv, paths[0]).header.Get("ETag")
	s.Advance(time.Second)
	if err := s.Dismiss(Dependabot, "acme/app", 1, "alice", "not_used", ""); err != nil {
		t.Fatal(err)
	}
	if g := get(t, srv, paths[0], "If-None-Match", old); g.status != http.StatusOK || g.header.Get("ETag") == old {
		t.Errorf("after a change: %d, ETag %s (old %s)", g.status, g.header.Get("ETag"), old)
	}
}

func TestRateLimit_ExhaustionAndReset(t *testing.T) {
	s := New(Options{RateLimit: 3, Token: "t0ken"})
	s.AddRepo("acme/app")
	srv := start(t, s)
	c := client(t, s, srv)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		_, resp, err := c.Dependabot.ListRepoAlerts(ctx, "acme", "app", nil)
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		if resp.Rate.Remaining != 2-i || resp.Rate.Limit != 3 {
			t.Fatalf("request %d: rate %+v", i+1, resp.Rate)
		}
		if resp.Header.Get("X-RateLimit-Resource") != "core" || resp.Header.Get("X-RateLimit-Used") != strconv.Itoa(i+1) {
			t.Fatalf("rate headers: %v", resp.Header)
		}
	}
	_, _, err := c.Dependabot.ListRepoAlerts(ctx, "acme", "app", nil)
	var rle *github.RateLimitError
	if !errors.As(err, &rle) || !strings.HasPrefix(rle.Message, "API rate limit exceeded for ") {
		t.Fatalf("4th request: %v, want *github.RateLimitError", err)
	}
	wantReset := DefaultStart.Add(time.Hour).Unix()
	if rle.Rate.Remaining != 0 || rle.Rate.Reset.Unix() != wantReset {
		t.Errorf("rate %+v, want remaining 0 reset %d", rle.Rate, wantReset)
	}
	// /rate_limit still answers, for free.
	limits, _, err := c.RateLimit.Get(ctx)
	if err != nil || limits.Core.Remaining != 0 || limits.Core.Limit != 3 {
		t.Fatalf("rate_limit: %+v, %v", limits, err)
	}
	s.Advance(time.Hour)
	if _, resp, err := c.Dependabot.ListRepoAlerts(ctx, "acme", "app", nil); err != nil || resp.Rate.Remaining != 2 {
		t.Fatalf("after the reset: %v, %+v", err, resp)
	}
	if got := s.RateLimitRemaining(); got != 2 {
		t.Errorf("RateLimitRemaining = %d, want 2", got)
	}
}

func TestAuth(t *testing.T) {
	s := New(Options{Token: "s3cret"})
	s.AddRepo("acme/app")
	srv := start(t, s)
	tests := []struct {
		auth   string
		status int
		msg    string
	}{
		{"", 401, "Requires authentication"},
		{"Bearer wrong", 401, "Bad credentials"},
		{"Bearer s3cret", 200, ""},
		{"token s3cret", 200, ""},
	}
	for _, tt := range tests {
		g := get(t, srv, "/repos/acme/app/secret-scanning/alerts", "Authorization", tt.auth)
		if g.status != tt.status || !strings.Contains(string(g.body), tt.msg) {
			t.Errorf("Authorization %q: %d %s", tt.auth, g.status, g.body)
		}
	}
}

func TestFault_SecondaryAndMalformed(t *testing.T) {
	s := New(Options{})
	s.AddRepo("acme/app")
	srv := start(t, s)
	c := client(t, s, srv)
	ctx := context.Background()
	s.InjectFault(Fault{PathContains: "/code-scanning/", Count: 2, Secondary: true, RetryAfter: 30 * time.Second})
	_, _, err := c.CodeScanning.ListAlertsForRepo(ctx, "acme", "app", nil)
	var abuse *github.AbuseRateLimitError
	if !errors.As(err, &abuse) || abuse.GetRetryAfter() != 30*time.Second ||
		!strings.Contains(abuse.Message, "You have exceeded a secondary rate limit") {
		t.Fatalf("%v, want AbuseRateLimitError with Retry-After 30s", err)
	}
	// go-github now refuses to send for 30 s of real time, so check the
	// second use of the fault and its end with plain requests.
	if g := get(t, srv, "/orgs/acme/code-scanning/alerts"); g.status != 403 || g.header.Get("Retry-After") != "30" {
		t.Fatalf("second faulted request: %d %v", g.status, g.header)
	}
	if g := get(t, srv, "/orgs/acme/code-scanning/alerts"); g.status != 200 {
		t.Fatalf("after the fault: %d %s", g.status, g.body)
	}
	c = client(t, s, srv)
	s.InjectFault(Fault{Secondary: true, Status: http.StatusTooManyRequests, RetryAfter: time.Minute})
	g := get(t, srv, "/repos/acme/app/dependabot/alerts")
	if g.status != 429 || g.header.Get("Retry-After") != "60" || !strings.Contains(string(g.body), "secondary rate limit") {
		t.Errorf("429 fault: %d %v %s", g.status, g.header, g.body)
	}
	s.InjectFault(Fault{PathContains: "/secret-scanning/", Status: http.StatusOK, Body: `[{"number":`})
	if _, _, err := c.SecretScanning.ListAlertsForRepo(ctx, "acme", "app", nil); err == nil {
		t.Error("malformed body decoded without error")
	}
	s.InjectFault(Fault{Status: http.StatusBadGateway})
	if g := get(t, srv, "/rate_limit"); g.status != http.StatusBadGateway {
		t.Errorf("502 fault: %d", g.status)
	}
	for _, r := range s.Requests() {
		if r.Status != http.StatusOK && r.Cost != 0 {
			t.Errorf("fault %s %d cost %d", r.Path, r.Status, r.Cost)
		}
	}
}
