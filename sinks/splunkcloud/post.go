package splunkcloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/splunk/splunk-cloud-sdk-go/services"
	"github.com/splunk/splunk-cloud-sdk-go/services/ingest"
	"github.com/splunk/splunk-cloud-sdk-go/util"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
)

// ctxTransport binds the SDK's requests (built without a context) to the
// Send's context and remembers the last response's headers (Retry-After).
type ctxTransport struct {
	ctx  context.Context
	next http.RoundTripper

	mu     sync.Mutex
	header http.Header
}

func (t *ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r.WithContext(t.ctx))
	if resp != nil {
		t.mu.Lock()
		t.header = resp.Header
		t.mu.Unlock()
	}
	return resp, err
}

// post makes one PostEvents call with the events at idxs and classifies
// the result; the delivery loop logs a failure.
func (s *Sink) post(ctx context.Context, idxs []int, events []ingest.Event) splunk.Attempt {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout.D())
	defer cancel()
	tr := &ctxTransport{ctx: ctx, next: s.transport}
	sc := &services.Config{
		Token: s.token, Tenant: s.cfg.Tenant, OverrideHost: s.host, Scheme: s.scheme,
		Timeout: s.cfg.Timeout.D(), RoundTripper: tr, ClientVersion: s.version,
	}
	client, err := services.NewClient(sc)
	if err != nil {
		err = fmt.Errorf("create splunk cloud services client (fix the sink's config to resume; records are kept): %w", err)
		return splunk.Attempt{Outcome: splunk.Paused, Err: err}
	}
	batch := make([]ingest.Event, len(idxs))
	for i, j := range idxs {
		batch[i] = events[j]
	}
	var resp http.Response
	_, err = ingest.NewService(client).PostEvents(batch, &resp)
	tr.mu.Lock()
	h := tr.header
	tr.mu.Unlock()
	o, after := classify(err, resp.StatusCode, h, s.now())
	switch {
	case o == splunk.Accepted:
		return splunk.Attempt{}
	case o == splunk.Retry && ctx.Err() != nil:
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	case o == splunk.Paused:
		err = fmt.Errorf("token or tenant refused (fix it to resume; records are kept): %w", err)
	}
	if o != splunk.BadData {
		err = fmt.Errorf("post events to splunk cloud services: %w", err)
	}
	return splunk.Attempt{Outcome: o, Err: err, RetryAfter: after}
}

// classify maps the result of PostEvents to an outcome:
//   - no error, or a 2xx whose body did not decode: accepted;
//   - 401, 403 (token), 404 (tenant): paused;
//   - 400, 413, 422: bad data;
//   - 429, 5xx, any other status, network errors: retry, honouring
//     Retry-After in seconds or as an HTTP date.
func classify(err error, status int, h http.Header, now time.Time) (splunk.Outcome, time.Duration) {
	if err == nil {
		return splunk.Accepted, 0
	}
	var he *util.HTTPError
	switch {
	case errors.As(err, &he):
		status = he.HTTPStatusCode
	case status >= 200 && status < 300:
		return splunk.Accepted, 0
	default:
		return splunk.Retry, 0
	}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return splunk.Paused, 0
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		return splunk.BadData, 0
	}
	return splunk.Retry, retryAfter(h.Get("Retry-After"), now)
}

// retryAfter parses delay-seconds or an HTTP date; zero means "use the
// loop's own backoff".
func retryAfter(v string, now time.Time) time.Duration {
	d, _ := exporter.ParseRetryAfter(v, now)
	return d
}
