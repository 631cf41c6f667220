package otlp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

// fakeOTLP is an OTLP/HTTP logs endpoint whose answer a test chooses per
// request; it records what every request carried.
type fakeOTLP struct {
	t      *testing.T
	answer func(w http.ResponseWriter, ids []string)

	mu      sync.Mutex
	headers []http.Header
	got     [][]string // ids per request, in order
}

func (f *fakeOTLP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("read body: %v", err)
		return
	}
	if r.URL.Path != logsPath || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	ld := decodeRequest(f.t, body, r.Header.Get("Content-Encoding") == "gzip")
	var ids []string
	lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := range lrs.Len() {
		id, _ := lrs.At(i).Attributes().Get(AttrID)
		ids = append(ids, id.Str())
	}
	f.mu.Lock()
	f.headers = append(f.headers, r.Header.Clone())
	f.got = append(f.got, ids)
	f.mu.Unlock()
	if f.answer == nil {
		w.Header().Set("Content-Type", "application/x-protobuf")
		return
	}
	f.answer(w, ids)
}

func (f *fakeOTLP) requests() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.got)
}

func startFake(t *testing.T, answer func(w http.ResponseWriter, ids []string)) (*fakeOTLP, Config) {
	f := &fakeOTLP{t: t, answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c := DefaultConfig()
	c.Endpoint = srv.URL
	return f, c
}

func TestSend_HeadersAndChunks(t *testing.T) {
	f, c := startFake(t, nil)
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.TokenFile = tok
	c.Headers = map[string]string{"X-Scope-OrgID": "security"}
	c.MaxBatchRecords = 3
	recs := sinktest.Records(10)
	if err := newSinkT(t, c).Send(context.Background(), recs); err != nil {
		t.Fatalf("Send: %v", err)
	}
	reqs := f.requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4 (3+3+3+1)", len(reqs))
	}
	var ids []string
	for _, r := range reqs {
		ids = append(ids, r...)
	}
	for i, r := range recs {
		if ids[i] != r.ID {
			t.Fatalf("request order: record %d is %s, want %s", i, ids[i], r.ID)
		}
	}
	h := f.headers[0]
	for k, want := range map[string]string{
		"Authorization": "Bearer s3cret", "X-Scope-Orgid": "security", "Content-Type": "application/x-protobuf",
		"Content-Encoding": "gzip", "User-Agent": "ghsec-exporter/test",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
}

// A partial success names no record: the whole request is dead-lettered
// (never sent again), the other requests of the batch count as delivered.
func TestSend_PartialSuccess(t *testing.T) {
	var calls atomic.Int32
	f, c := startFake(t, func(w http.ResponseWriter, ids []string) {
		w.Header().Set("Content-Type", "application/x-protobuf")
		if calls.Add(1) == 2 {
			_, _ = w.Write([]byte(partialProto(t, 1, "log record too old")))
		}
	})
	c.MaxBatchRecords = 4
	err := newSinkT(t, c).Send(context.Background(), sinktest.Records(10))
	de := exporter.Classify(err)
	if de.Kind != exporter.KindRejected || !slices.Equal(de.Rejected, []int{4, 5, 6, 7}) {
		t.Fatalf("Send = %v (kind %s, rejected %v), want records 4-7 rejected", err, de.Kind, de.Rejected)
	}
	if !strings.Contains(err.Error(), "log record too old") || !strings.Contains(err.Error(), "all 4 records of the request are dead-lettered") {
		t.Errorf("error %q does not say why", err)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want 3: a partial success is not sent again", n)
	}
}

// A 400 is bisected down to the refused record; the rest goes through.
func TestSend_BadRequestBisected(t *testing.T) {
	recs := sinktest.Records(9)
	bad := recs[6].ID
	f, c := startFake(t, func(w http.ResponseWriter, ids []string) {
		w.Header().Set("Content-Type", "application/x-protobuf")
		if slices.Contains(ids, bad) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(statusProto(3, "log record body too large")))
		}
	})
	err := newSinkT(t, c).Send(context.Background(), recs)
	de := exporter.Classify(err)
	if de.Kind != exporter.KindRejected || !slices.Equal(de.Rejected, []int{6}) {
		t.Fatalf("Send = %v (kind %s, rejected %v), want record 6 rejected", err, de.Kind, de.Rejected)
	}
	if !strings.Contains(err.Error(), "log record body too large") || !strings.Contains(err.Error(), bad) {
		t.Errorf("error %q does not name the record and the reason", err)
	}
	accepted := map[string]int{}
	for _, r := range f.requests() {
		if !slices.Contains(r, bad) {
			for _, id := range r {
				accepted[id]++
			}
		}
	}
	for i, r := range recs {
		if i != 6 && accepted[r.ID] != 1 {
			t.Errorf("record %d accepted %d times, want once", i, accepted[r.ID])
		}
	}
}

func TestSend_Classified(t *testing.T) {
	tests := []struct {
		name      string
		answer    func(w http.ResponseWriter, ids []string)
		kind      exporter.DeliveryKind
		after     time.Duration
		errSubstr string
	}{
		{"throttled", func(w http.ResponseWriter, _ []string) {
			w.Header().Set("Retry-After", "7")
			w.Header().Set("Content-Type", "application/x-protobuf")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(statusProto(8, "rate limited")))
		}, exporter.KindRetryable, 7 * time.Second, "429 Too Many Requests: rate limited"},
		{"unavailable", func(w http.ResponseWriter, _ []string) {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusServiceUnavailable)
		}, exporter.KindRetryable, 3 * time.Second, "503"},
		{"unauthorized", func(w http.ResponseWriter, _ []string) {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
		}, exporter.KindPaused, 0, "refused the credential"},
		{"web page", func(w http.ResponseWriter, _ []string) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>hello</html>"))
		}, exporter.KindPaused, 0, "not an OTLP logs response"},
		{"not found", func(w http.ResponseWriter, _ []string) {
			http.NotFound(w, nil)
		}, exporter.KindPaused, 0, "fix endpoint/logs_endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := startFake(t, tt.answer)
			err := newSinkT(t, c).Send(context.Background(), sinktest.Records(3))
			de := exporter.Classify(err)
			var classified *exporter.DeliveryError
			if !errors.As(err, &classified) || de.Kind != tt.kind || de.RetryAfter != tt.after {
				t.Fatalf("Send = %v (kind %s after %s), want %s after %s", err, de.Kind, de.RetryAfter, tt.kind, tt.after)
			}
			if !strings.Contains(err.Error(), tt.errSubstr) {
				t.Errorf("error %q, want it to contain %q", err, tt.errSubstr)
			}
		})
	}
}

func TestSend_Unreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := DefaultConfig()
	c.Endpoint = url
	err := newSinkT(t, c).Send(context.Background(), sinktest.Records(2))
	sinktest.MustRetry(t, "closed port", err)
}

// A record that cannot be rendered in the configured format (an audit
// record without its entry, with audit_body: entry) is dead-lettered
// alone; the others are delivered.
func TestSend_UnrenderableRecord(t *testing.T) {
	f, c := startFake(t, nil)
	c.AuditBody = format.AuditBodyEntry
	recs := sinktest.Records(3)
	recs[1].Category, recs[1].Source, recs[1].Alert = exporter.CategoryAudit, exporter.SourceAuditLog, nil
	recs[1].Audit = &exporter.AuditInfo{Action: "repo.create", DocumentID: "d1"}
	err := newSinkT(t, c).Send(context.Background(), recs)
	de := exporter.Classify(err)
	if de.Kind != exporter.KindRejected || !slices.Equal(de.Rejected, []int{1}) || !errors.Is(err, format.ErrNoEntry) {
		t.Fatalf("Send = %v, want record 1 rejected with format.ErrNoEntry", err)
	}
	if reqs := f.requests(); len(reqs) != 1 || !slices.Equal(reqs[0], []string{recs[0].ID, recs[2].ID}) {
		t.Errorf("requests %v, want records 0 and 2", reqs)
	}
}

// The delivery loop through a receiver that throttles, then heals:
// nothing is lost or dead-lettered meanwhile.
func TestDeliverer_ThrottledThenHealed(t *testing.T) {
	var mu sync.Mutex
	healed := false
	f, c := startFake(t, func(w http.ResponseWriter, ids []string) {
		mu.Lock()
		defer mu.Unlock()
		if !healed {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	recs := sinktest.Records(50)
	h := sinktest.New(t, newSinkT(t, c), recs)
	h.FailThenRecover(t, 3, func() { mu.Lock(); healed = true; mu.Unlock() })
	reqs := f.requests()
	if last := reqs[len(reqs)-1]; len(last) != len(recs) {
		t.Errorf("the healed request carried %d records, want %d", len(last), len(recs))
	}
}

// The delivery loop has a second batch's request sent while the first
// still waits for its answer (OTLP gives log records no order): the fake
// answers the first request only once the second has arrived, and every
// record is delivered once.
func TestDeliverer_TwoBatchesInFlight(t *testing.T) {
	second := make(chan struct{})
	var n atomic.Int32
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a guard: a loop that does not pipeline hangs
	defer cancel()
	f, c := startFake(t, func(w http.ResponseWriter, ids []string) {
		switch n.Add(1) {
		case 1:
			select {
			case <-second:
			case <-ctx.Done():
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		case 2:
			close(second)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	})
	recs := sinktest.Records(30)
	h := sinktest.New(t, newSinkT(t, c), recs)
	h.Deliverer.BatchSize = 10
	if err := h.Deliverer.Drain(ctx); err != nil {
		t.Fatalf("drain: %v", err)
	}
	if st := h.Deliverer.Health(); st.Delivered != len(recs) || st.Failures != 0 {
		t.Errorf("health %+v", st)
	}
	var got []string
	for _, r := range f.requests() {
		got = append(got, r...)
	}
	if len(got) != len(recs) {
		t.Errorf("%d records posted, want %d once each", len(got), len(recs))
	}
}
