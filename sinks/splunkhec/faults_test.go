package splunkhec_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/splunkhec"
)

// faultyHEC answers like HEC once healed and with its fault before that.
type faultyHEC struct {
	t       *testing.T
	fault   func(w http.ResponseWriter, r *http.Request)
	release chan struct{} // unblocks handlers that hang; closed at cleanup

	mu     sync.Mutex
	healed bool
	got    map[string]bool
}

func (f *faultyHEC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	healed := f.healed
	f.mu.Unlock()
	if !healed {
		f.fault(w, r)
		return
	}
	dec := json.NewDecoder(r.Body)
	var ids []string
	for {
		var env struct {
			Event struct {
				ID string `json:"id"`
			} `json:"event"`
		}
		if err := dec.Decode(&env); err == io.EOF {
			break
		} else if err != nil {
			f.t.Errorf("healed receiver: bad body: %v", err)
			http.Error(w, `{"text":"Invalid data format","code":6}`, http.StatusBadRequest)
			return
		}
		ids = append(ids, env.Event.ID)
	}
	f.mu.Lock()
	for _, id := range ids {
		f.got[id] = true
	}
	f.mu.Unlock()
	_, _ = w.Write([]byte(`{"text":"Success","code":0}`))
}

func (f *faultyHEC) heal() {
	f.mu.Lock()
	f.healed = true
	f.mu.Unlock()
}

// TestSend_ReceiverFaults breaks the HEC receiver in the ways real ones
// break — closing the connection mid-request or mid-reply, answering past
// the timeout, answering garbage or statuses HEC never sends — and checks
// that every one is a retryable failure returned within the timeout, keeps
// the whole batch queued, and that everything is delivered once the
// receiver is healthy again.
func TestSend_ReceiverFaults(t *testing.T) {
	var faults = []struct {
		name  string
		fault func(t *testing.T, f *faultyHEC, w http.ResponseWriter, r *http.Request)
	}{
		{"closes mid-request body", func(t *testing.T, _ *faultyHEC, w http.ResponseWriter, r *http.Request) {
			_, _ = io.ReadFull(r.Body, make([]byte, 100))
			sinktest.Hijack(t, w, "")
		}},
		{"closes mid-reply body", func(t *testing.T, _ *faultyHEC, w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			sinktest.Hijack(t, w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"text\":\"Succ")
		}},
		{"answers past the timeout", func(_ *testing.T, f *faultyHEC, _ http.ResponseWriter, _ *http.Request) {
			<-f.release
		}},
		{"answers a non-HTTP line", func(t *testing.T, _ *faultyHEC, w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			sinktest.Hijack(t, w, "\x00\x01garbage, not HTTP\r\n\r\n")
		}},
		{"answers 503 with an HTML page", func(_ *testing.T, _ *faultyHEC, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("<html><body>upstream connect error"))
		}},
		{"answers 500 with truncated JSON", func(_ *testing.T, _ *faultyHEC, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"text":"Internal server err`))
		}},
		{"answers a status HEC never sends", func(_ *testing.T, _ *faultyHEC, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusTeapot)
			_, _ = w.Write(bytes.Repeat([]byte{0xff, 0x00}, 64))
		}},
		{"answers 200 with a web page, not HEC's reply", func(_ *testing.T, _ *faultyHEC, w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body>Welcome to nginx!"))
		}},
		{"answers 204 with no body", func(_ *testing.T, _ *faultyHEC, w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusNoContent)
		}},
		{"answers 429 with a garbage Retry-After", func(_ *testing.T, _ *faultyHEC, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "soon-ish")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte("slow down"))
		}},
	}
	token := filepath.Join(t.TempDir(), "hec-token")
	if err := os.WriteFile(token, []byte("00000000-0000-0000-0000-000000000001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range faults {
		t.Run(tc.name, func(t *testing.T) {
			f := &faultyHEC{t: t, release: make(chan struct{}), got: map[string]bool{}}
			f.fault = func(w http.ResponseWriter, r *http.Request) { tc.fault(t, f, w, r) }
			srv := httptest.NewServer(f)
			t.Cleanup(srv.Close)
			t.Cleanup(func() { close(f.release) }) // runs before srv.Close

			cfg := splunkhec.DefaultConfig()
			cfg.URL, cfg.TokenFile = srv.URL, token
			cfg.HealthCheck, cfg.Compress = false, false
			cfg.MaxBatchEvents = 7 // several requests per batch
			cfg.Timeout = config.Duration(200 * time.Millisecond)
			sink := sinktest.Build(t, cfg, splunkhec.New, sinktest.Deps())

			recs := sinktest.Records(20)
			sinktest.MustRetry(t, tc.name, sinktest.Send(t, sink, recs))
			h := sinktest.New(t, sink, recs)
			h.FailThenRecover(t, 2, f.heal)
			f.mu.Lock()
			defer f.mu.Unlock()
			for id := range sinktest.IDs(recs) {
				if !f.got[id] {
					t.Errorf("record %s never reached the receiver", id)
				}
			}
		})
	}
}
