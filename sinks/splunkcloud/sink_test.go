package splunkcloud

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

const testToken = "scs-access-token"

// fakeIngest is an httptest server that checks every request the SDK makes
// against what the SCS ingest API expects, records the events it accepts,
// and refuses (400) any request holding a "bad" record id.
type fakeIngest struct {
	*httptest.Server
	t          *testing.T
	bad        map[string]bool
	status     int
	retryAfter string

	mu       sync.Mutex
	requests int
	events   []map[string]json.RawMessage
}

func newFakeIngest(t *testing.T) *fakeIngest {
	f := &fakeIngest{t: t, bad: map[string]bool{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeIngest) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/acme-sec/ingest/v1beta2/events":
		f.t.Errorf("request %s %s, want POST /acme-sec/ingest/v1beta2/events", r.Method, r.URL.Path)
	case r.Header.Get("Authorization") != "Bearer "+testToken:
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"code":"unauthorized","message":"invalid token"}`)
		return
	case r.Header.Get("Content-Type") != "application/json":
		f.t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
	case !strings.Contains(r.Header.Get("Splunk-Client"), "ghsec-exporter/test"):
		f.t.Errorf("Splunk-Client %q", r.Header.Get("Splunk-Client"))
	}
	if f.status != 0 {
		w.Header().Set("Retry-After", f.retryAfter)
		w.WriteHeader(f.status)
		io.WriteString(w, `{"code":"too_many_requests","message":"slow down"}`)
		return
	}
	var evs []map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&evs); err != nil {
		f.t.Errorf("body is not a JSON array of events: %v", err)
	}
	for _, ev := range evs {
		var id string
		_ = json.Unmarshal(ev["id"], &id)
		if f.bad[id] {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"code":"invalid_data","message":"event rejected"}`)
			return
		}
	}
	f.events = append(f.events, evs...)
	io.WriteString(w, `{"code":"SUCCESS","message":"Success"}`)
}

func testConfig(t *testing.T, f *fakeIngest) Config {
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	c.Tenant = "acme-sec"
	c.TokenFile = p
	c.Host = f.URL
	c.EventHost = "exporter-1"
	c.Fields = map[string]string{"env": "test"}
	c.RecordFields = []string{"source", "severity"}
	c.MaxBatchEvents = 10
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

func newSink(t *testing.T, c Config) *Sink {
	t.Helper()
	return sinktest.Build(t, c, New, exporter.SinkDeps{Name: "scs", Logger: slog.New(slog.DiscardHandler), Version: "test", Now: time.Now})
}

func TestSend_PostsSDKEvents(t *testing.T) {
	f := newFakeIngest(t)
	recs := testRecords(25)
	if err := newSink(t, testConfig(t, f)).Send(context.Background(), recs); err != nil {
		t.Fatalf("Send: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.requests != 3 {
		t.Errorf("%d requests, want 3 (10 events each at most)", f.requests)
	}
	if len(f.events) != len(recs) {
		t.Fatalf("%d events arrived, want %d", len(f.events), len(recs))
	}
	for i, ev := range f.events {
		r := recs[i]
		var body exporter.Record
		if err := json.Unmarshal(ev["body"], &body); err != nil || body.ID != r.ID {
			t.Fatalf("event %d body %s: want record %s", i, ev["body"], r.ID)
		}
		wantST, wantSrc := `"github:security:alert"`, `"github:`+string(r.Source)+`"`
		if r.Category == exporter.CategoryAudit {
			wantST = `"github:audit"`
		}
		got := map[string]string{"id": string(ev["id"]), "sourcetype": string(ev["sourcetype"]), "source": string(ev["source"]),
			"host": string(ev["host"]), "timestamp": string(ev["timestamp"])}
		want := map[string]string{"id": `"` + r.ID + `"`, "sourcetype": wantST, "source": wantSrc,
			"host": `"exporter-1"`, "timestamp": jsonNum(r.Time.UnixMilli())}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("event %d:\n got %v\nwant %v", i, got, want)
		}
		var attrs map[string]string
		_ = json.Unmarshal(ev["attributes"], &attrs)
		if attrs["env"] != "test" || attrs["github_source"] != string(r.Source) {
			t.Errorf("event %d attributes %v", i, attrs)
		}
	}
}

func TestSend_BisectsRefusedRecords(t *testing.T) {
	f := newFakeIngest(t)
	recs := testRecords(23)
	f.bad[recs[5].ID], f.bad[recs[21].ID] = true, true
	err := newSink(t, testConfig(t, f)).Send(context.Background(), recs)
	var de *exporter.DeliveryError
	if !errors.As(err, &de) || !reflect.DeepEqual(de.Rejected, []int{5, 21}) {
		t.Fatalf("Send = %v, want Rejected [5 21]", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.events) != 21 {
		t.Errorf("%d events accepted, want 21", len(f.events))
	}
}

func TestSend_Classified(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		token      string
		check      func(de *exporter.DeliveryError) bool
	}{
		{"throttled", 429, "12", testToken, func(de *exporter.DeliveryError) bool {
			return de.RetryAfter == 12*time.Second && de.Kind == exporter.KindRetryable
		}},
		{"unavailable", 503, time.Now().Add(time.Minute).UTC().Format(http.TimeFormat), testToken, func(de *exporter.DeliveryError) bool {
			return de.RetryAfter > 50*time.Second && de.Kind == exporter.KindRetryable
		}},
		{"bad token", 0, "", "wrong", func(de *exporter.DeliveryError) bool { return de.Kind == exporter.KindPaused }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeIngest(t)
			f.status, f.retryAfter = tt.status, tt.retryAfter
			c := testConfig(t, f)
			os.WriteFile(c.TokenFile, []byte(tt.token), 0o600)
			err := newSink(t, c).Send(context.Background(), testRecords(3))
			if err == nil || !tt.check(exporter.Classify(err)) {
				t.Fatalf("Send = %v (%+v)", err, exporter.Classify(err))
			}
			if strings.Contains(err.Error(), testToken) {
				t.Fatalf("error leaks the token: %v", err)
			}
		})
	}
}

func TestSend_NetworkErrorRetryable(t *testing.T) {
	f := newFakeIngest(t)
	c := testConfig(t, f)
	f.Close()
	err := newSink(t, c).Send(context.Background(), testRecords(2))
	if de := exporter.Classify(err); err == nil || de.Kind != exporter.KindRetryable {
		t.Fatalf("Send to a closed server = %v, want retryable", err)
	}
}

func TestConfig_Validate(t *testing.T) {
	t.Setenv("GHSEC_TEST_SCS_TOKEN", "x")
	tests := []struct {
		name string
		mod  func(c *Config)
		want string
	}{
		{"good", func(c *Config) {}, ""},
		{"host without scheme", func(c *Config) { c.Host = "api.example.com:443" }, ""},
		{"no tenant", func(c *Config) { c.Tenant = "" }, "tenant: must be an SCS tenant name"},
		{"no token", func(c *Config) { c.TokenEnv = "" }, "token_file: missing"},
		{"host with path", func(c *Config) { c.Host = "https://h/x" }, "host: must be a URL with scheme and host only"},
		{"too many events", func(c *Config) { c.MaxBatchEvents = 501 }, "max_batch_events: must be between 1 and 500"},
		{"bad record field", func(c *Config) { c.RecordFields = []string{"secret"} }, "record_fields[0]: unknown record field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			c.Tenant, c.TokenEnv = "acme", "GHSEC_TEST_SCS_TOKEN"
			tt.mod(&c)
			err := c.Validate()
			if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
}

// Validate reads nothing: an unset token variable passes it, and Resolve
// refuses it, naming the field and the variable.
func TestConfig_ResolveReadsTheToken(t *testing.T) {
	c := DefaultConfig()
	c.Tenant, c.TokenEnv = "acme", "GHSEC_TEST_UNSET_SCS_TOKEN"
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate = %v, want nil", err)
	}
	_, err := c.Resolve()
	const want = `token_env: environment variable is unset or empty (got "GHSEC_TEST_UNSET_SCS_TOKEN")`
	if !errors.Is(err, config.ErrUnreadable) || err.Error() != want {
		t.Fatalf("Resolve = %v, want ErrUnreadable %q", err, want)
	}
	t.Setenv("GHSEC_TEST_UNSET_SCS_TOKEN", testToken)
	if r, err := c.Resolve(); err != nil || r.token != testToken {
		t.Fatalf("Resolve = %q, %v", r.token, err)
	}
}

func jsonNum(v int64) string { b, _ := json.Marshal(v); return string(b) }
