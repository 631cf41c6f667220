package ghsim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// bucket is one token's primary rate-limit window. Like GitHub's, the window
// starts with the first request and resets an hour later.
type bucket struct {
	used  int
	reset time.Time
}

// bucketFor returns tok's bucket, starting a new window when the old one
// has passed. Caller holds s.mu.
func (s *Sim) bucketFor(tok string, now time.Time) *bucket {
	b := s.buckets[tok]
	if b == nil {
		b = &bucket{}
		s.buckets[tok] = b
	}
	if b.reset.IsZero() || !now.Before(b.reset) {
		b.used = 0
		b.reset = now.Add(time.Hour).Truncate(time.Second)
	}
	return b
}

func setRateHeaders(h http.Header, limit, used int, reset time.Time, resource string) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, limit-used)))
	h.Set("X-RateLimit-Used", strconv.Itoa(used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", resource)
}

// RateLimitRemaining returns what is left of the primary limit for
// Options.Token (or, without a token, for anonymous requests) at Now.
func (s *Sim) RateLimitRemaining() int {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(0, s.opts.RateLimit-s.bucketFor(s.opts.Token, now).used)
}

type rateJSON struct {
	Limit     int   `json:"limit"`
	Used      int   `json:"used"`
	Remaining int   `json:"remaining"`
	Reset     int64 `json:"reset"`
}

// serveRateLimit answers GET /rate_limit for the request's token.
func (s *Sim) serveRateLimit(r *http.Request, now time.Time) *response {
	tok, _ := s.authenticate(r)
	version, _ := s.apiVersion(r)
	return okResponse(rateLimitBody(s.opts.RateLimit, s.bucketFor(tok, now), now, version))
}

// rateLimitBody renders GET /rate_limit, which costs nothing. Only "core"
// is simulated; the other resources are reported full, like an idle token.
// API version 2026-03-10 has no top-level "rate" (a copy of core).
func rateLimitBody(limit int, b *bucket, now time.Time, version string) []byte {
	core := rateJSON{Limit: limit, Used: b.used, Remaining: max(0, limit-b.used), Reset: b.reset.Unix()}
	full := func(n int) rateJSON {
		return rateJSON{Limit: n, Remaining: n, Reset: now.Add(time.Hour).Unix()}
	}
	v := map[string]any{
		"resources": map[string]rateJSON{
			"core":                        core,
			"search":                      full(30),
			"graphql":                     full(5000),
			"integration_manifest":        full(5000),
			"source_import":               full(100),
			"code_scanning_upload":        full(1000),
			"actions_runner_registration": full(10000),
			"scim":                        full(15000),
			"dependency_snapshots":        full(100),
			"code_search":                 full(10),
			"code_scanning_autofix":       full(10),
		},
		"rate": core,
	}
	if version == APIVersion20260310 {
		delete(v, "rate")
	}
	body, _ := json.Marshal(v)
	return body
}
