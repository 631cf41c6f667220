package splunkhec

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// fakeHEC is an httptest HEC for the behaviours the real receiver cannot be
// made to show (refusing valid events, throttling, withholding acks). It
// refuses a whole request with 400 code 6 when it holds a "bad" record id.
type fakeHEC struct {
	*httptest.Server
	bad      map[string]bool
	status   int    // when set, every event post gets this status
	header   string // Retry-After for status
	ackNever bool   // ack queries answer false

	mu       sync.Mutex
	accepted []string
	posts    int
	channels map[string]bool
	nextAck  int64
}

func newFakeHEC(t *testing.T) *fakeHEC {
	f := &fakeHEC{bad: map[string]bool{}, channels: map[string]bool{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeHEC) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Splunk good-token" {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"text":"Invalid token","code":4}`)
		return
	}
	switch r.URL.Path {
	case pathHealth:
		io.WriteString(w, `{"text":"HEC is healthy","code":17}`)
	case pathAck:
		var q struct{ Acks []int64 }
		_ = json.NewDecoder(r.Body).Decode(&q)
		out := map[string]bool{}
		for _, id := range q.Acks {
			out[jsonInt(id)] = !f.ackNever
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"acks": out})
	case pathEvent:
		f.posts++
		if f.status != 0 {
			w.Header().Set("Retry-After", f.header)
			w.WriteHeader(f.status)
			io.WriteString(w, `{"text":"Server is busy","code":9}`)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			body = zr
		}
		dec := json.NewDecoder(body)
		var ids []string
		for dec.More() {
			var env struct{ Event exporter.Record }
			if err := dec.Decode(&env); err != nil {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"text":"Invalid data format","code":6}`)
				return
			}
			if f.bad[env.Event.ID] {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"text":"Invalid data format","code":6,"invalid-event-number":0}`)
				return
			}
			ids = append(ids, env.Event.ID)
		}
		f.accepted = append(f.accepted, ids...)
		if ch := r.Header.Get("X-Splunk-Request-Channel"); ch != "" {
			f.channels[ch] = true
			f.nextAck++
			_ = json.NewEncoder(w).Encode(map[string]any{"text": "Success", "code": 0, "ackId": f.nextAck})
			return
		}
		io.WriteString(w, `{"text":"Success","code":0}`)
	}
}

func (f *fakeHEC) acceptedIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.accepted...)
}

func jsonInt(i int64) string { b, _ := json.Marshal(i); return string(b) }

func fakeConfig(t *testing.T, f *fakeHEC) Config {
	c := DefaultConfig()
	c.URL = f.URL
	c.TokenFile = tokenFile(t, "good-token")
	c.MaxBatchEvents = 8
	return c
}

func TestSend_BisectsBadData(t *testing.T) {
	f := newFakeHEC(t)
	recs := testRecords(40)
	wantBad := []int{3, 4, 17, 39}
	for _, i := range wantBad {
		f.bad[recs[i].ID] = true
	}
	s := newSink(t, fakeConfig(t, f))
	err := s.Send(context.Background(), recs)
	var de *exporter.DeliveryError
	if !errors.As(err, &de) || !reflect.DeepEqual(de.Rejected, wantBad) || exporter.Classify(err).Kind != exporter.KindRejected {
		t.Fatalf("Send = %v (%+v), want Rejected %v", err, de, wantBad)
	}
	got := map[string]bool{}
	for _, id := range f.acceptedIDs() {
		got[id] = true
	}
	for i, r := range recs {
		if got[r.ID] == f.bad[r.ID] {
			t.Errorf("record %d: accepted=%v bad=%v", i, got[r.ID], f.bad[r.ID])
		}
	}
}

func TestSend_UnencodableRecordRejectedAlone(t *testing.T) {
	f := newFakeHEC(t)
	recs := testRecords(5)
	recs[2].Raw = json.RawMessage(`{broken`)
	err := newSink(t, fakeConfig(t, f)).Send(context.Background(), recs)
	var de *exporter.DeliveryError
	if !errors.As(err, &de) || !reflect.DeepEqual(de.Rejected, []int{2}) {
		t.Fatalf("Send = %v, want Rejected [2]", err)
	}
	if n := len(f.acceptedIDs()); n != 4 {
		t.Errorf("%d accepted, want 4", n)
	}
}

func TestSend_ThrottledHonoursRetryAfter(t *testing.T) {
	f := newFakeHEC(t)
	f.status, f.header = http.StatusTooManyRequests, "17"
	err := newSink(t, fakeConfig(t, f)).Send(context.Background(), testRecords(20))
	de := exporter.Classify(err)
	if err == nil || de.RetryAfter != 17*time.Second || de.Kind != exporter.KindRetryable {
		t.Fatalf("Send = %v (%+v), want retryable after 17s", err, de)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.posts != 1 {
		t.Errorf("%d posts, want 1: the first failing request ends the attempt", f.posts)
	}
}

func TestSend_WrongTokenPaused(t *testing.T) {
	f := newFakeHEC(t)
	c := fakeConfig(t, f)
	c.TokenFile = tokenFile(t, "revoked-token")
	err := newSink(t, c).Send(context.Background(), testRecords(3))
	if exporter.Classify(err).Kind != exporter.KindPaused {
		t.Fatalf("Send = %v, want Paused", err)
	}
	if got := err.Error(); got != "paused: splunk HEC refused the token; fix it to resume (records are kept): splunk HEC replied 403 code 4: Invalid token" {
		t.Errorf("error %q", got)
	}
}

func TestSend_AckTimeoutIsRetryable(t *testing.T) {
	f := newFakeHEC(t)
	f.ackNever = true
	c := fakeConfig(t, f)
	c.Ack = AckConfig{Enabled: true, PollInterval: config.Duration(10 * time.Millisecond), Timeout: config.Duration(50 * time.Millisecond)}
	err := newSink(t, c).Send(context.Background(), testRecords(10))
	de := exporter.Classify(err)
	if err == nil || de.Kind != exporter.KindRetryable {
		t.Fatalf("Send = %v, want retryable ack timeout", err)
	}
	f.mu.Lock()
	f.ackNever = false
	f.mu.Unlock()
	if err := newSink(t, c).Send(context.Background(), testRecords(10)); err != nil {
		t.Fatalf("Send once acks come: %v", err)
	}
}

func TestSend_AckWaitEndsWithContext(t *testing.T) {
	f := newFakeHEC(t)
	f.ackNever = true
	c := fakeConfig(t, f)
	c.Ack = AckConfig{Enabled: true, PollInterval: config.Duration(10 * time.Millisecond), Timeout: config.Duration(time.Hour)}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := newSink(t, c).Send(ctx, testRecords(2)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send = %v, want the context's error", err)
	}
}

func TestNew_AckChannelKeptInState(t *testing.T) {
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := newFakeHEC(t)
	c := fakeConfig(t, f)
	c.Ack.Enabled = true
	deps := testDeps(t)
	deps.Store = db
	var channels []string
	for range 2 {
		s, err := New(resolved(t, c), deps)
		if err != nil {
			t.Fatal(err)
		}
		channels = append(channels, s.ack.channel)
	}
	if !guidRE.MatchString(channels[0]) || channels[0] != channels[1] {
		t.Fatalf("channels %v: want one GUID reused", channels)
	}
	c.Ack.Channel = "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba"
	s, _ := New(resolved(t, c), deps)
	if s.ack.channel != c.Ack.Channel {
		t.Errorf("configured channel not used: %s", s.ack.channel)
	}
}
