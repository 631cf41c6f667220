package ghsim

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Request is one request the simulator answered.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Status int
	Cost   int // rate-limit units spent: 0 for 304, faults, 401 and 403 rate-limited
}

// Requests returns a copy of every request answered since New or ResetRequests.
func (s *Sim) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ResetRequests forgets the recorded requests.
func (s *Sim) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Fault is a canned failure for matching requests.
type Fault struct {
	PathContains string        // matches when the request path contains it ("" matches all)
	Count        int           // how many requests get it; <= 0 means 1
	Status       int           // default 500, or 403 for Secondary
	RetryAfter   time.Duration // sent as Retry-After seconds when > 0
	Body         string        // raw body (e.g. malformed JSON); default a GitHub error JSON
	Secondary    bool          // GitHub's secondary rate limit message (status 403 or 429)
}

// InjectFault makes the next Count requests whose path contains PathContains
// get this response instead of being served. Faults are consumed in the order
// they were injected and cost no rate limit.
func (s *Sim) InjectFault(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	if f.Status == 0 {
		f.Status = http.StatusInternalServerError
		if f.Secondary {
			f.Status = http.StatusForbidden
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// takeFault returns a copy of the first fault matching path and consumes one use.
func (s *Sim) takeFault(path string) *Fault {
	for i, f := range s.faults {
		if !strings.Contains(path, f.PathContains) {
			continue
		}
		out := *f
		f.Count--
		if f.Count == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return &out
	}
	return nil
}
