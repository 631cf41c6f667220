package elasticsearch

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

// newSink validates, resolves and builds c's sink, closed when the test
// ends.
func newSink(t testing.TB, c Config) *Sink {
	t.Helper()
	return sinktest.Build(t, c, New, sinktest.Deps())
}

func noViolations(t *testing.T, f *fakeES) {
	t.Helper()
	for _, v := range f.Violations() {
		t.Errorf("fake _bulk endpoint: %s", v)
	}
}

// Through the real Deliverer: documents the cluster refuses as bad
// (mapper_parsing_exception) are dead-lettered, documents it answers 429
// are sent again with the whole batch, documents already there (409, on
// the first attempt and on every retry) count as delivered, and every
// other record is stored exactly once.
func TestSink_Deliverer_ItemOutcomes(t *testing.T) {
	f := startFakeES(t)
	recs := sinktest.Records(60)
	bad := map[string]bool{}
	for i, r := range recs {
		if i%10 == 3 {
			bad[r.ID] = true
		}
	}
	// a third of the records are in the cluster already (an earlier
	// delivery whose acknowledgement was lost)
	f.docs[DefaultIndex] = map[string][]byte{}
	for i, r := range recs {
		if i%3 == 0 && !bad[r.ID] {
			f.docs[DefaultIndex][r.ID] = []byte(`{}`)
		}
	}
	// the write queue is full for every fourth document, twice
	throttled := map[string]int{}
	for i, r := range recs {
		if i%4 == 1 && !bad[r.ID] {
			throttled[r.ID] = 2
		}
	}
	f.item = func(index, id string, src map[string]any) *fakeItem {
		switch {
		case bad[id]:
			return &fakeItem{Status: 400, Error: esError("document_parsing_exception", "[1:40] failed to parse field [alert.number] of type [long]")}
		case throttled[id] > 0:
			throttled[id]--
			return &fakeItem{Status: 429, Error: esError("es_rejected_execution_exception", "rejected execution of coordinating operation")}
		}
		return nil
	}
	s := newSink(t, f.config(t))
	h := sinktest.New(t, s, recs)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.Deliverer.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	pending, dead := h.Counts(t)
	if pending != 0 || dead != len(bad) {
		t.Fatalf("%d pending, %d dead-lettered; want 0 and %d", pending, dead, len(bad))
	}
	if got, want := f.count(DefaultIndex), len(recs)-len(bad); got != want {
		t.Errorf("%d documents in the data stream, want %d", got, want)
	}
	hl := h.Deliverer.Health()
	if hl.Delivered != len(recs)-len(bad) || hl.DeadLettered != len(bad) || hl.Failures < 2 {
		t.Errorf("health %+v: want %d delivered, %d dead-lettered, two 429 rounds failed", hl, len(recs)-len(bad), len(bad))
	}
	if f.conflicts < len(recs)/3 {
		t.Errorf("%d conflicts answered; the redelivered batch should have met its documents", f.conflicts)
	}
	for i, r := range recs {
		if d := f.doc(DefaultIndex, r.ID); !bad[r.ID] && i%3 != 0 && (d["@timestamp"] != r.Time.UTC().Format(time.RFC3339Nano) || d["id"] != r.ID) {
			t.Errorf("document %s: %v", r.ID, d)
		}
	}
	noViolations(t, f)
}

// A cluster refusing whole requests (503 with Retry-After, then 429, then
// a dropped connection) loses nothing and dead-letters nothing; once it
// heals, every record is written once.
func TestSink_Deliverer_WholeRequestFaults(t *testing.T) {
	for name, fault := range map[string]func(n int) (int, http.Header, string){
		"503": func(int) (int, http.Header, string) {
			return 503, http.Header{"Retry-After": {"0"}}, `{"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"},"status":503}`
		},
		"429": func(int) (int, http.Header, string) {
			return 429, nil, `{"error":{"type":"circuit_breaking_exception","reason":"[parent] Data too large"},"status":429}`
		},
		"502 proxy": func(int) (int, http.Header, string) { return 502, nil, "<html>Bad Gateway</html>" },
	} {
		t.Run(name, func(t *testing.T) {
			f := startFakeES(t)
			f.whole = fault
			recs := sinktest.Records(40)
			c := f.config(t)
			c.MaxBatchEvents = 15 // three requests a batch: the first fails
			h := sinktest.New(t, newSink(t, c), recs)
			h.FailThenRecover(t, 3, func() {
				f.mu.Lock()
				f.whole = nil
				f.mu.Unlock()
			})
			if n := f.count(DefaultIndex); n != len(recs) {
				t.Errorf("%d documents, want %d", n, len(recs))
			}
			noViolations(t, f)
		})
	}
}

// A batch sent again after a partial failure writes each document once:
// the second Send meets the documents of the first request as 409s.
func TestSink_PartialThenRetry_NoDuplicates(t *testing.T) {
	f := startFakeES(t)
	c := f.config(t)
	c.MaxBatchEvents = 10
	s := newSink(t, c)
	recs := sinktest.Records(30)
	f.whole = func(n int) (int, http.Header, string) {
		if n == 2 {
			return 503, http.Header{"Retry-After": {"7"}}, `{}`
		}
		return 0, nil, ""
	}
	de := sinktest.MustRetry(t, "second request 503", sinktest.Send(t, s, recs))
	if de.RetryAfter != 7*time.Second {
		t.Errorf("Retry-After %v, want 7s", de.RetryAfter)
	}
	if err := sinktest.Send(t, s, recs); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if f.count(DefaultIndex) != 30 || f.created != 30 || f.conflicts != 10 {
		t.Errorf("%d documents, %d created, %d conflicts; want 30, 30, 10", f.count(DefaultIndex), f.created, f.conflicts)
	}
	noViolations(t, f)
}

// Basic authentication and an index (not a data stream) per category; the
// bodies go uncompressed.
func TestSink_BasicAuth_IndexPerCategory(t *testing.T) {
	f := startFakeES(t)
	c := f.config(t)
	c.APIKeyFile, c.Username, c.PasswordFile = "", f.user, writeFile(t, f.password)
	c.AlertIndex, c.AuditIndex, c.Compress = "ghsec-alerts", "ghsec-audit", false
	recs := auditAndAlerts(t)
	if err := sinktest.Send(t, newSink(t, c), recs); err != nil {
		t.Fatal(err)
	}
	na, nu := 0, 0
	for _, r := range recs {
		if r.Category == exporter.CategoryAudit {
			nu++
		} else {
			na++
		}
	}
	if f.count("ghsec-alerts") != na || f.count("ghsec-audit") != nu || nu == 0 {
		t.Errorf("alerts %d (want %d), audit %d (want %d)", f.count("ghsec-alerts"), na, f.count("ghsec-audit"), nu)
	}
	noViolations(t, f)
}

// OpenSearch sends no X-Elastic-Product header: with compatibility
// opensearch the sink delivers; with the default it pauses and says why.
func TestSink_OpenSearchCompatibility(t *testing.T) {
	f := startFakeES(t)
	f.openSearch = true
	c := f.config(t)
	c.APIKeyFile, c.Username, c.PasswordFile = "", f.user, writeFile(t, f.password)
	recs := sinktest.Records(5)
	err := sinktest.Send(t, newSink(t, c), recs)
	if de := exporter.Classify(err); err == nil || de.Kind != exporter.KindPaused {
		t.Fatalf("Elasticsearch mode against OpenSearch: %v, want paused", err)
	}
	c.Compatibility = OpenSearch
	if err := sinktest.Send(t, newSink(t, c), recs); err != nil {
		t.Fatalf("opensearch mode: %v", err)
	}
	if f.count(DefaultIndex) != len(recs) {
		t.Errorf("%d documents, want %d", f.count(DefaultIndex), len(recs))
	}
	noViolations(t, f)
}
