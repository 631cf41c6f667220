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
)

// outcome is what the sink does after one PostEvents call.
type outcome int

const (
	accepted outcome = iota
	retry            // throttled, server or network trouble
	paused           // token or tenant wrong: an operator must act
	badData          // the service refused the content: bisect
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

// post makes one PostEvents call with the events at idxs.
func (s *Sink) post(ctx context.Context, idxs []int, events []ingest.Event) (outcome, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout.D())
	defer cancel()
	tr := &ctxTransport{ctx: ctx, next: s.transport}
	sc := &services.Config{
		Token: s.token, Tenant: s.cfg.Tenant, OverrideHost: s.host, Scheme: s.scheme,
		Timeout: s.cfg.Timeout.D(), RoundTripper: tr, ClientVersion: s.version,
	}
	client, err := services.NewClient(sc)
	if err != nil {
		return paused, 0, fmt.Errorf("create splunk cloud services client: %w", err)
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
	if err != nil && ctx.Err() != nil && o == retry {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return o, after, err
}

// classify maps the result of PostEvents to an outcome:
//   - no error, or a 2xx whose body did not decode: accepted;
//   - 401, 403 (token), 404 (tenant): paused;
//   - 400, 413, 422: bad data;
//   - 429, 5xx, any other status, network errors: retry, honouring
//     Retry-After in seconds or as an HTTP date.
func classify(err error, status int, h http.Header, now time.Time) (outcome, time.Duration) {
	if err == nil {
		return accepted, 0
	}
	var he *util.HTTPError
	switch {
	case errors.As(err, &he):
		status = he.HTTPStatusCode
	case status >= 200 && status < 300:
		return accepted, 0
	default:
		return retry, 0
	}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return paused, 0
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		return badData, 0
	}
	return retry, retryAfter(h.Get("Retry-After"), now)
}

// retryAfter parses delay-seconds or an HTTP date; zero means "use the
// loop's own backoff".
func retryAfter(v string, now time.Time) time.Duration {
	d, _ := exporter.ParseRetryAfter(v, now)
	return d
}

// deliver posts the events at idxs, bisecting on bad data until the refused
// records are isolated. Other failures abort with the classified error.
func (s *Sink) deliver(ctx context.Context, idxs []int, events []ingest.Event) (bad []int, badErr, err error) {
	o, after, perr := s.post(ctx, idxs, events)
	switch o {
	case accepted:
		return nil, nil, nil
	case paused:
		return nil, nil, exporter.Paused(fmt.Errorf("post events to splunk cloud services: token or tenant refused: %w", perr))
	case badData:
		if len(idxs) == 1 {
			return idxs, perr, nil
		}
		mid := len(idxs) / 2
		lb, le, err := s.deliver(ctx, idxs[:mid], events)
		if err != nil {
			return nil, nil, err
		}
		rb, re, err := s.deliver(ctx, idxs[mid:], events)
		if err != nil {
			return nil, nil, err
		}
		if le == nil {
			le = re
		}
		return append(lb, rb...), le, nil
	}
	return nil, nil, exporter.Retryable(fmt.Errorf("post events to splunk cloud services: %w", perr), after)
}
