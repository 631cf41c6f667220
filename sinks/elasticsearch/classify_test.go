package elasticsearch

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

func TestClassifyItem(t *testing.T) {
	for _, tt := range []struct {
		status int
		typ    string
		want   outcome
	}{
		{201, "", delivered},
		{200, "", delivered},
		{409, "version_conflict_engine_exception", delivered},
		{429, "es_rejected_execution_exception", retry},
		{503, "unavailable_shards_exception", retry},
		{500, "", retry},
		{408, "", retry},
		{400, "mapper_parsing_exception", refused},
		{400, "document_parsing_exception", refused},
		{400, "strict_dynamic_mapping_exception", refused},
		{400, "illegal_argument_exception", refused}, // Limit of total fields [1000] has been exceeded
		{413, "", refused},
		{400, "index_closed_exception", paused},
		{403, "security_exception", paused},
		{401, "", paused},
		{404, "index_not_found_exception", paused},
		{418, "", retry}, // unknown: retried, never lost
	} {
		it := itemResult{Status: tt.status}
		if tt.typ != "" {
			it.Error = &itemError{Type: tt.typ, Reason: "r"}
		}
		if got := classifyItem(it); got != tt.want {
			t.Errorf("%d %s: %d, want %d", tt.status, tt.typ, got, tt.want)
		}
	}
}

// Whole-request replies, each answered to one Send of three records.
func TestSend_WholeRequestClassified(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		header http.Header
		body   string
		want   exporter.DeliveryKind
		after  time.Duration
		detail string
	}{
		{"429 with Retry-After", 429, http.Header{"Retry-After": {"30"}}, `{"error":{"type":"es_rejected_execution_exception","reason":"queue full"},"status":429}`,
			exporter.KindRetryable, 30 * time.Second, "es_rejected_execution_exception: queue full"},
		{"503 with a date", 503, http.Header{"Retry-After": {time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}}, `{}`, exporter.KindRetryable, time.Hour, "503"},
		{"500", 500, nil, `oops`, exporter.KindRetryable, 0, `"oops"`},
		{"401", 401, nil, `{"error":{"type":"security_exception","reason":"unable to authenticate with provided credentials"},"status":401}`,
			exporter.KindPaused, 0, "security_exception"},
		{"403", 403, nil, `{"error":{"type":"security_exception","reason":"action [indices:data/write/bulk] is unauthorized"}}`, exporter.KindPaused, 0, "unauthorized"},
		{"404 wrong path", 404, nil, `<html>Not Found</html>`, exporter.KindPaused, 0, "404"},
		{"400 malformed", 400, nil, `{"error":{"type":"illegal_argument_exception","reason":"Malformed action/metadata line [1]"}}`, exporter.KindPaused, 0, "Malformed"},
		{"200 not a bulk reply", 200, nil, `<html>welcome</html>`, exporter.KindPaused, 0, "without a bulk reply"},
		{"200 too few items", 200, nil, `{"errors":false,"items":[{"create":{"status":201}}]}`, exporter.KindPaused, 0, "(1 items)"},
		{"200 an index item", 200, nil, `{"errors":false,"items":[{"index":{"status":201}},{"index":{"status":201}},{"index":{"status":201}}]}`, exporter.KindPaused, 0, "not a create result"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := startFakeES(t)
			f.whole = func(int) (int, http.Header, string) { return tt.status, tt.header, tt.body }
			err := sinktest.Send(t, newSink(t, f.config(t)), sinktest.Records(3))
			var de *exporter.DeliveryError
			if !errors.As(err, &de) {
				t.Fatalf("unclassified: %v", err)
			}
			if de.Kind != tt.want || de.RetryAfter.Round(time.Minute) != tt.after.Round(time.Minute) || !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("%v: kind %v after %v; want %v after %v, mentioning %q", err, de.Kind, de.RetryAfter, tt.want, tt.after, tt.detail)
			}
		})
	}
}

// A 413 (a proxy's body limit below max_batch_bytes) splits the request
// until it fits; one document alone too large is refused, the rest go in.
func TestSend_413Splits(t *testing.T) {
	f := startFakeES(t)
	recs := sinktest.Records(10)
	big := recs[7].ID
	f.tooLarge = func(pairs [][2][]byte) bool {
		for _, p := range pairs {
			if strings.Contains(string(p[0]), big) {
				return true
			}
		}
		return len(pairs) > 3
	}
	err := sinktest.Send(t, newSink(t, f.config(t)), recs)
	de := exporter.Classify(err)
	if de.Kind != exporter.KindRejected || len(de.Rejected) != 1 || de.Rejected[0] != 7 || !strings.Contains(err.Error(), "413") {
		t.Fatalf("%v: want record 7 rejected", err)
	}
	if f.count(DefaultIndex) != 9 {
		t.Errorf("%d documents, want 9", f.count(DefaultIndex))
	}
	noViolations(t, f)
}

// The documents of one batch decide together: a paused one keeps the
// batch (Paused), else a retried one sends it again (Retryable), else the
// refused ones are listed (Rejected) and the others, 409s included, are
// delivered.
func TestSend_ItemPrecedence(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status map[int]int // record index → item status
		want   exporter.DeliveryKind
		reject []int
	}{
		{"refused and 409", map[int]int{1: 400, 2: 409}, exporter.KindRejected, []int{1}},
		{"refused and 429", map[int]int{1: 400, 2: 429}, exporter.KindRetryable, nil},
		{"429 and 403", map[int]int{1: 403, 2: 429, 3: 400}, exporter.KindPaused, nil},
		{"404 index", map[int]int{0: 404}, exporter.KindPaused, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := startFakeES(t)
			recs := sinktest.Records(4)
			idx := map[string]int{}
			for i, r := range recs {
				idx[r.ID] = i
			}
			f.item = func(_, id string, _ map[string]any) *fakeItem {
				if st, ok := tt.status[idx[id]]; ok {
					return &fakeItem{Status: st, Error: esError("x_exception", "item answered "+http.StatusText(st))}
				}
				return nil
			}
			err := sinktest.Send(t, newSink(t, f.config(t)), recs)
			de := exporter.Classify(err)
			if err == nil || de.Kind != tt.want || fmt.Sprint(de.Rejected) != fmt.Sprint(tt.reject) {
				t.Errorf("%v: kind %v rejected %v; want %v %v", err, de.Kind, de.Rejected, tt.want, tt.reject)
			}
		})
	}
}
