package ghapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// maxLimitRetries bounds how often one request is retried after a
// rate-limit response before the error is returned to the caller.
const maxLimitRetries = 5

// Limiter is the RoundTripper that keeps the exporter inside GitHub's rate
// limits: it serializes requests (Options.Concurrency at a time), waits
// instead of spending the reserve, and waits and retries on Retry-After,
// exhausted primary limits and secondary limits.
type Limiter struct {
	next    http.RoundTripper
	sem     chan struct{}
	reserve int
	log     *slog.Logger
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error

	auditBudget int

	mu             sync.Mutex
	auditSent      []time.Time          // audit-log queries in the last hour, oldest first
	res            map[string]rateState // by x-ratelimit-resource
	secondaryUntil time.Time
	stats          Stats
}

type rateState struct {
	limit, remaining int
	reset            time.Time
}

// Stats count what the limiter saw; units are primary rate-limit units
// (a 304 costs none). Requests counts every attempt sent, Failures those
// that got no response or a 5xx.
type Stats struct {
	Requests    int
	Failures    int
	NotModified int
	Units       int
	Waits       int
	Waited      time.Duration
}

// Plus is s and o counted together: the daemon's totals across the
// clients a config reload replaces.
func (s Stats) Plus(o Stats) Stats {
	return Stats{
		Requests: s.Requests + o.Requests, Failures: s.Failures + o.Failures, NotModified: s.NotModified + o.NotModified,
		Units: s.Units + o.Units, Waits: s.Waits + o.Waits, Waited: s.Waited + o.Waited,
	}
}

func newLimiter(next http.RoundTripper, o Options, log *slog.Logger) *Limiter {
	l := &Limiter{
		next: next, sem: make(chan struct{}, o.Concurrency), reserve: o.Reserve,
		log: log, now: o.Now, sleep: o.Sleep, res: map[string]rateState{}, auditBudget: o.AuditBudget,
	}
	if l.auditBudget <= 0 {
		l.auditBudget = 1750
	}
	return l
}

// Stats returns a copy of the counters.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Remaining reports the last known remaining units of a resource ("core").
func (l *Limiter) Remaining(resource string) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.res[resource]
	return s.remaining, ok
}

// RoundTrip implements http.RoundTripper.
func (l *Limiter) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx := r.Context()
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-l.sem }()
	resource := resourceFor(r.URL.Path)
	for attempt := 0; ; attempt++ {
		if err := l.waitBefore(ctx, resource, r.URL.Path); err != nil {
			return nil, err
		}
		resp, err := l.next.RoundTrip(r)
		if err != nil {
			l.mu.Lock()
			l.stats.Requests++
			l.stats.Failures++
			l.mu.Unlock()
			return nil, err
		}
		wait, reason := l.observe(resp)
		if wait < 0 || attempt >= maxLimitRetries {
			return resp, nil
		}
		// drain so the connection is reused, then wait and retry
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if err := l.wait(ctx, wait, reason, r.URL.Path); err != nil {
			return nil, err
		}
	}
}

// waitBefore holds a request while a secondary limit is in force or while
// spending it would dip into the reserve.
func (l *Limiter) waitBefore(ctx context.Context, resource, path string) error {
	l.mu.Lock()
	now := l.now()
	var d time.Duration
	reason := ""
	if l.secondaryUntil.After(now) {
		d, reason = l.secondaryUntil.Sub(now), "secondary rate limit"
	}
	// at least one unit is always held back: go-github refuses to send
	// anything once it has seen remaining=0.
	reserve := max(l.reserve, 1)
	if s, ok := l.res[resource]; ok && s.remaining <= reserve && s.reset.After(now) {
		if w := s.reset.Sub(now) + time.Second; w > d {
			d, reason = w, "primary rate limit reserve ("+strconv.Itoa(s.remaining)+" left, reserve "+strconv.Itoa(l.reserve)+")"
		}
	}
	if resource == "audit_log" {
		cut := now.Add(-time.Hour)
		i := 0
		for i < len(l.auditSent) && !l.auditSent[i].After(cut) {
			i++
		}
		l.auditSent = l.auditSent[i:]
		if len(l.auditSent) >= l.auditBudget {
			if w := l.auditSent[0].Add(time.Hour).Sub(now); w > d {
				d, reason = w, "audit-log budget ("+strconv.Itoa(l.auditBudget)+" queries per hour)"
			}
		}
	}
	l.mu.Unlock()
	if resource == "audit_log" {
		defer func() {
			l.mu.Lock()
			l.auditSent = append(l.auditSent, l.now())
			l.mu.Unlock()
		}()
	}
	if d <= 0 {
		return nil
	}
	if err := l.wait(ctx, d, reason, path); err != nil {
		return err
	}
	// the window reset: forget the stale count until the next response says
	l.mu.Lock()
	if s, ok := l.res[resource]; ok && !s.reset.After(l.now()) {
		delete(l.res, resource)
	}
	l.mu.Unlock()
	return nil
}

func (l *Limiter) wait(ctx context.Context, d time.Duration, reason, path string) error {
	l.mu.Lock()
	l.stats.Waits++
	l.stats.Waited += d
	l.mu.Unlock()
	l.log.Warn("waiting for GitHub rate limit", "reason", reason, "retry_in", d.Round(time.Millisecond), "path", path)
	return l.sleep(ctx, d)
}

// observe records a response's rate-limit headers and returns how long to
// wait before retrying it, or -1 when the response is final.
func (l *Limiter) observe(resp *http.Response) (time.Duration, string) {
	h := resp.Header
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.stats.Requests++
	if resp.StatusCode >= 500 {
		l.stats.Failures++
	}
	if resp.StatusCode == http.StatusNotModified {
		l.stats.NotModified++
	} else if resp.StatusCode < 500 {
		l.stats.Units++
	}
	resource := h.Get("X-Ratelimit-Resource")
	if resource == "" {
		resource = resourceFor(resp.Request.URL.Path)
	}
	if rem, err := strconv.Atoi(h.Get("X-Ratelimit-Remaining")); err == nil {
		s := rateState{remaining: rem}
		s.limit, _ = strconv.Atoi(h.Get("X-Ratelimit-Limit"))
		if reset, err := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
			s.reset = time.Unix(reset, 0)
			// GitHub's primary window is an hour: a reset further out is
			// a broken header, not a reason to stop for good
			if lim := now.Add(time.Hour); s.reset.After(lim) {
				s.reset = lim
			}
		}
		l.res[resource] = s
	}
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return -1, ""
	}
	if ra := parseRetryAfter(h.Get("Retry-After"), now); ra >= 0 {
		l.secondaryUntil = now.Add(ra)
		return ra, "Retry-After on " + strconv.Itoa(resp.StatusCode)
	}
	if h.Get("X-Ratelimit-Remaining") == "0" {
		if s := l.res[resource]; s.reset.After(now) {
			return s.reset.Sub(now) + time.Second, "primary rate limit exhausted"
		}
		return time.Minute, "primary rate limit exhausted (no reset header)"
	}
	if isSecondary(resp) {
		// GitHub: wait at least a minute, longer on repeats
		d := time.Minute
		l.secondaryUntil = now.Add(d)
		return d, "secondary rate limit"
	}
	return -1, "" // a permission 403: final
}

// isSecondary peeks at the body for GitHub's secondary-limit message and
// restores it for the caller.
func isSecondary(resp *http.Response) bool {
	if resp.StatusCode == http.StatusTooManyRequests {
		return true
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	s := strings.ToLower(string(b))
	return strings.Contains(s, "secondary rate limit") || strings.Contains(s, "abuse")
}

func parseRetryAfter(v string, now time.Time) time.Duration {
	if d, ok := exporter.ParseRetryAfter(v, now); ok {
		return d
	}
	return -1
}

// resourceFor names the rate-limit bucket a path spends, for the case where
// a response carries no x-ratelimit-resource header.
func resourceFor(path string) string {
	if strings.HasSuffix(path, "/audit-log") {
		return "audit_log"
	}
	return "core"
}
