package ghapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Every request sent is counted, including those that got no answer; those
// and 5xx answers are also counted as failures.
func TestLimiter_CountsFailedRequests(t *testing.T) {
	reply := func(code int) roundTripFunc {
		return func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: code, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
		}
	}
	tests := []struct {
		name string
		rt   roundTripFunc
		want Stats
	}{
		{"200", reply(200), Stats{Requests: 1, Units: 1}},
		{"304", reply(304), Stats{Requests: 1, NotModified: 1}},
		{"404", reply(404), Stats{Requests: 1, Units: 1}},
		{"502", reply(502), Stats{Requests: 1, Failures: 1}},
		{"connection refused", func(*http.Request) (*http.Response, error) { return nil, errors.New("connection refused") }, Stats{Requests: 1, Failures: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLimiter(tt.rt, Options{Concurrency: 1, Now: time.Now, Sleep: func(context.Context, time.Duration) error { return nil }}, slog.New(slog.DiscardHandler))
			req, _ := http.NewRequest(http.MethodGet, "https://api.github.com/orgs/acme/dependabot/alerts", nil)
			resp, err := l.RoundTrip(req)
			if err == nil {
				resp.Body.Close()
			}
			if got := l.Stats(); got != tt.want {
				t.Errorf("stats %+v, want %+v", got, tt.want)
			}
		})
	}
}
