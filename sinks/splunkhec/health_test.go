package splunkhec

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// logEvents is a slog handler that hands every record to a channel, so a
// test waits for a log line instead of sleeping.
type logEvents chan slog.Record

func (l logEvents) Enabled(context.Context, slog.Level) bool      { return true }
func (l logEvents) Handle(_ context.Context, r slog.Record) error { l <- r; return nil }
func (l logEvents) WithAttrs([]slog.Attr) slog.Handler            { return l }
func (l logEvents) WithGroup(string) slog.Handler                 { return l }

// healthServer answers the health endpoint with handle and counts requests.
func healthServer(t *testing.T, handle http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		handle(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func healthSink(t *testing.T, url string, log logEvents) *Sink {
	t.Helper()
	c := DefaultConfig()
	c.URL = url
	c.TokenFile = tokenFile(t, "good-token")
	c.HealthCheck = true
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return newSinkDeps(t, c, exporter.SinkDeps{Name: "hec", Logger: slog.New(log)})
}

func TestNew_MakesNoRequest(t *testing.T) {
	srv, n := healthServer(t, func(w http.ResponseWriter, r *http.Request) {})
	healthSink(t, srv.URL, make(logEvents, 16))
	if got := n.Load(); got != 0 {
		t.Fatalf("New made %d requests, want none (the health probe belongs to Run)", got)
	}
}

func TestRun_HealthCheckWarnsAndWaits(t *testing.T) {
	srv, n := healthServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"text":"HEC is unhealthy, queues are full","code":18}`)
	})
	log := make(logEvents, 16)
	s := healthSink(t, srv.URL, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	for r := range log {
		if r.Level == slog.LevelWarn && strings.Contains(r.Message, "not healthy") {
			break
		}
	}
	select {
	case err := <-done:
		t.Fatalf("Run returned %v before ctx ended", err)
	default:
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("%d health requests, want 1", got)
	}
}

func TestRun_CancelStopsHealthProbe(t *testing.T) {
	arrived, released := make(chan struct{}), make(chan struct{})
	srv, _ := healthServer(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done() // HEC hangs; only the client giving up ends this
		close(released)
	})
	log := make(logEvents, 16)
	s := healthSink(t, srv.URL, log)
	s.probeWait = time.Hour // only ctx may end the probe
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	<-arrived
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	<-released
	close(log)
	for r := range log {
		if r.Level >= slog.LevelWarn {
			t.Errorf("a probe cut short by shutdown logged %s %q", r.Level, r.Message)
		}
	}
}
