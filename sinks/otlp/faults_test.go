package otlp

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

// TestSend_ReceiverFaults breaks the endpoint in the ways real ones
// break — closing the connection mid-reply, answering past the timeout,
// answering garbage or statuses OTLP never sends — and checks that every
// one is a retryable failure that keeps the whole batch, and that the
// delivery loop delivers everything once the endpoint is healthy again.
func TestSend_ReceiverFaults(t *testing.T) {
	faults := []struct {
		name  string
		fault func(t *testing.T, w http.ResponseWriter, release <-chan struct{})
	}{
		{"closes mid-reply body", func(t *testing.T, w http.ResponseWriter, _ <-chan struct{}) {
			sinktest.Hijack(t, w, "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100\r\n\r\n\x0a\x02")
		}},
		{"closes without a reply", func(t *testing.T, w http.ResponseWriter, _ <-chan struct{}) {
			sinktest.Hijack(t, w, "")
		}},
		{"answers past the timeout", func(_ *testing.T, _ http.ResponseWriter, release <-chan struct{}) {
			<-release
		}},
		{"answers a non-HTTP line", func(t *testing.T, w http.ResponseWriter, _ <-chan struct{}) {
			sinktest.Hijack(t, w, "\x00\x01garbage, not HTTP\r\n\r\n")
		}},
		{"answers 503 with an HTML page", func(_ *testing.T, w http.ResponseWriter, _ <-chan struct{}) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("<html><body>upstream connect error"))
		}},
		{"answers 500 with a truncated status", func(_ *testing.T, w http.ResponseWriter, _ <-chan struct{}) {
			w.Header().Set("Content-Type", "application/x-protobuf")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte("\x12\x40half a messa"))
		}},
		{"answers a status OTLP never sends", func(_ *testing.T, w http.ResponseWriter, _ <-chan struct{}) {
			w.WriteHeader(http.StatusTeapot)
			_, _ = w.Write(bytes.Repeat([]byte{0xff, 0x00}, 64))
		}},
		{"answers 429 with a garbage Retry-After", func(_ *testing.T, w http.ResponseWriter, _ <-chan struct{}) {
			w.Header().Set("Retry-After", "soon-ish")
			w.WriteHeader(http.StatusTooManyRequests)
		}},
	}
	for _, ft := range faults {
		t.Run(ft.name, func(t *testing.T) {
			healed, release := make(chan struct{}), make(chan struct{})
			_, c := startFake(t, func(w http.ResponseWriter, _ []string) {
				select {
				case <-healed:
					w.Header().Set("Content-Type", "application/x-protobuf")
				default:
					ft.fault(t, w, release)
				}
			})
			// before the server's Close, which waits for its handlers
			t.Cleanup(func() { close(release) })
			c.Timeout = config.Duration(300 * time.Millisecond) // bounds "past the timeout"
			s := newSinkT(t, c)
			recs := sinktest.Records(20)
			de := sinktest.MustRetry(t, ft.name, sinktest.Send(t, s, recs))
			if de.Kind != exporter.KindRetryable {
				t.Errorf("%s: kind %s, want retryable", ft.name, de.Kind)
			}
			h := sinktest.New(t, s, recs)
			h.FailThenRecover(t, 2, func() { close(healed) })
		})
	}
}
