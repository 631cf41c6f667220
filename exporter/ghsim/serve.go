package ghsim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const docsURL = "https://docs.github.com/rest"

// apiError is an error response in GitHub's shape.
type apiError struct {
	status int
	msg    string
	doc    string
	errors []map[string]string
}

func validationFailed(field, msg string) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, msg: "Validation Failed",
		errors: []map[string]string{{"resource": "Search", "field": field, "code": "invalid", "message": msg}}}
}

func notFound() *apiError { return &apiError{status: http.StatusNotFound, msg: "Not Found"} }

func (e *apiError) body() []byte {
	doc := e.doc
	if doc == "" {
		doc = docsURL
	}
	v := map[string]any{"message": e.msg, "documentation_url": doc, "status": strconv.Itoa(e.status)}
	if len(e.errors) > 0 {
		v["errors"] = e.errors
	}
	b, _ := json.Marshal(v)
	return b
}

// response is what a route produced, before rate limiting and ETags.
type response struct {
	status int
	body   []byte
	header http.Header
}

func errResponse(e *apiError) *response {
	return &response{status: e.status, body: e.body(), header: http.Header{}}
}

func okResponse(body []byte) *response {
	return &response{status: http.StatusOK, body: body, header: http.Header{}}
}

// ServeHTTP answers one request: the router (routes) picks the endpoint,
// which runs the pipeline.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// endpoint is a route behind the pipeline every request goes through.
type endpoint struct {
	s  *Sim
	fn routeFunc
	// free: costs no rate limit, answers when the limit is exhausted and
	// carries no ETag (/rate_limit).
	free bool
}

// ServeHTTP answers one request: injected faults first, then authentication,
// the primary rate limit, the route, and conditional-request handling.
func (e endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := e.s
	now := s.Now()
	s.mu.Lock()
	rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()}
	resp, cost := s.handle(r, now, e)
	rec.Status, rec.Cost = resp.status, cost
	s.requests = append(s.requests, rec)
	s.mu.Unlock()

	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	if resp.body != nil {
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	}
	w.WriteHeader(resp.status)
	if resp.body != nil && r.Method != http.MethodHead {
		_, _ = w.Write(resp.body)
	}
}

// handle runs the pipeline under s.mu and returns the response and its cost.
func (s *Sim) handle(r *http.Request, now time.Time, e endpoint) (*response, int) {
	// A counter, not s.random: request ids must not shift the seeded audit lag.
	s.reqSeq++
	reqID := fmt.Sprintf("%04X:%06X:%X", s.reqSeq%0xFFFF, s.reqSeq*2654435761%0xFFFFFF, s.reqSeq)
	if f := s.takeFault(r.URL.Path); f != nil {
		resp := faultResponse(f, reqID)
		resp.header.Set("X-GitHub-Request-Id", reqID)
		return resp, 0
	}
	tok, ok := s.authenticate(r)
	if !ok {
		msg := "Bad credentials"
		if r.Header.Get("Authorization") == "" {
			msg = "Requires authentication"
		}
		resp := errResponse(&apiError{status: http.StatusUnauthorized, msg: msg})
		setRateHeaders(resp.header, 60, 0, now.Add(time.Hour), "core")
		// GitHub's own headers come with a refusal too: they tell its
		// answers from a proxy's
		resp.header.Set("X-GitHub-Request-Id", reqID)
		resp.header.Set("X-GitHub-Media-Type", "github.v3; format=json")
		return resp, 0
	}
	b := s.bucketFor(tok, now)
	var resp *response
	cost := 1
	_, refused := s.apiVersion(r)
	if refused != nil {
		// whether GitHub counts this refusal is not documented; it does no
		// work, and costs nothing (below)
		resp = refused
	} else if e.free {
		resp = e.fn(r, now)
	} else if b.used >= s.opts.RateLimit {
		// Exhausted: GitHub answers 403 without doing the work, and the
		// refused request does not count.
		resp = errResponse(&apiError{status: http.StatusForbidden,
			msg: "API rate limit exceeded for user ID " + strconv.FormatInt(stableID(tok), 10) + ".",
			doc: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits"})
		cost = 0
	} else {
		resp = e.fn(r, now)
	}
	switch {
	case e.free || refused != nil:
		cost = 0
	case resp.status == http.StatusOK:
		etag := `"` + etagOf(resp.body) + `"`
		resp.header.Set("ETag", etag)
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			resp.status, resp.body, cost = http.StatusNotModified, nil, 0
		}
	}
	b.used += cost
	setRateHeaders(resp.header, s.opts.RateLimit, b.used, b.reset, "core")
	resp.header.Set("X-GitHub-Request-Id", reqID)
	resp.header.Set("X-GitHub-Media-Type", "github.v3; format=json")
	s.setProductHeaders(resp.header)
	return resp, cost
}

func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:16])
}

// etagMatches implements If-None-Match's weak comparison: W/ prefixes are
// ignored, "*" matches anything.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, c := range strings.Split(header, ",") {
		c = strings.TrimPrefix(strings.TrimSpace(c), "W/")
		if c == "*" || c == etag {
			return true
		}
	}
	return false
}

func faultResponse(f *Fault, reqID string) *response {
	resp := &response{status: f.Status, header: http.Header{}}
	switch {
	case f.Body != "":
		resp.body = []byte(f.Body)
	case f.Secondary:
		resp.body = (&apiError{status: f.Status,
			msg: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. " +
				"If you reach out to GitHub Support for help, please include the request ID " + reqID + ".",
			doc: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}).body()
	default:
		resp.body = (&apiError{status: f.Status, msg: http.StatusText(f.Status)}).body()
	}
	if f.RetryAfter > 0 {
		secs := int((f.RetryAfter + time.Second - 1) / time.Second)
		resp.header.Set("Retry-After", strconv.Itoa(secs))
	}
	return resp
}

// authenticate returns the token the request used ("" when anonymous) and
// whether it is acceptable.
func (s *Sim) authenticate(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	tok := ""
	if scheme, v, ok := strings.Cut(h, " "); ok && (strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "token")) {
		tok = strings.TrimSpace(v)
	}
	if s.opts.Token == "" || s.isAppJWT(r) {
		return tok, true
	}
	return tok, tok == s.opts.Token
}
