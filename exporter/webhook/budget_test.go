package webhook

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ingest"
)

// gated holds every commit until its gate is closed, saying when one
// has started.
type gated struct {
	next    Committer
	entered chan struct{}
	gate    chan struct{}
}

func (g *gated) CommitWebhook(guid string, o exporter.Observation) (ingest.WebhookResult, error) {
	g.entered <- struct{}{}
	<-g.gate
	return g.next.CommitWebhook(guid, o)
}

// largeBody is dependabotBody with alert number n, padded past smallBody:
// a body that reserves room in the budget.
func largeBody(n int) []byte {
	b := strings.Replace(dependabotBody, `"number":3`, fmt.Sprintf(`"number":%d`, n), 1)
	return []byte(`{"padding":"` + strings.Repeat("a", smallBody+1000) + `",` + b[1:])
}

// A large delivery that finds the body budget taken is answered 503 (GitHub
// records it failed, the redelivery job asks for it again), counted and
// logged, and stores nothing; redelivered once there is room, it is stored.
func TestHandler_OverBudgetIs503AndRedeliverable(t *testing.T) {
	r := newRig(t)
	g := &gated{next: r.commit, entered: make(chan struct{}, 1), gate: make(chan struct{})}
	body, other := largeBody(3), largeBody(4)
	h, err := New(Options{
		Secret: []byte(testSecret), Commit: g, InScope: r.h.opts.InScope, Logger: r.h.log,
		BodyBudget: int64(len(body)), BudgetWait: time.Millisecond, Now: r.h.opts.Now,
	})
	must(t, err)
	r.h = h
	first := make(chan int)
	go func() { first <- r.post("dependabot_alert", "g-first", body, "").Code }()
	<-g.entered // the first delivery holds the whole budget until its commit ends
	w := r.post("dependabot_alert", "g-second", other, "")
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("over budget: status %d, want 503", w.Code)
	}
	if st := h.Stats(); st.Busy != 1 || st.Accepted != 0 {
		t.Fatalf("stats %+v", st)
	}
	if logs := r.logs.String(); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "g-second") || !strings.Contains(logs, "err=") {
		t.Fatalf("the refusal is not logged with its delivery and err:\n%s", logs)
	}
	// another one within the minute is counted, not logged: the sender need
	// not be GitHub, and the log must not become its
	if w := r.post("dependabot_alert", "g-third", other, ""); w.Code != http.StatusServiceUnavailable || h.Stats().Busy != 2 {
		t.Fatalf("second refusal: status %d, %+v", w.Code, h.Stats())
	}
	if n := strings.Count(r.logs.String(), "refused with 503"); n != 1 {
		t.Fatalf("%d refusal warnings within a minute, want 1", n)
	}
	close(g.gate)
	if code := <-first; code != http.StatusOK {
		t.Fatalf("first delivery: %d", code)
	}
	if r.commit.calls.Load() != 1 {
		t.Fatalf("the refused delivery reached the state: %d commits", r.commit.calls.Load())
	}
	// the redelivery GitHub makes when asked
	if w := r.post("dependabot_alert", "g-second", other, ""); w.Code != http.StatusOK {
		t.Fatalf("redelivery: status %d, want 200", w.Code)
	}
	if n := r.snapshots(); n != 2 {
		t.Fatalf("%d alerts stored, want 2", n)
	}
}

// A body larger than the whole budget is not refused for it: it takes all
// of the budget and is processed alone. A body without Content-Length
// (chunked) reserves the cap, clamped likewise.
func TestHandler_BodyOverTheWholeBudgetIsProcessedAlone(t *testing.T) {
	r := newRig(t)
	h, err := New(Options{Secret: []byte(testSecret), Commit: r.commit, InScope: r.h.opts.InScope, BodyBudget: 64, BudgetWait: time.Millisecond})
	must(t, err)
	r.h = h
	if w := r.post("dependabot_alert", "g-big", largeBody(3), ""); w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", w.Code)
	}
	body := largeBody(9)
	req := httptest.NewRequest(http.MethodPost, "/github/webhook", struct{ *bytes.Reader }{bytes.NewReader(body)})
	req.ContentLength = -1
	req.Header.Set("X-GitHub-Event", "dependabot_alert")
	req.Header.Set("X-GitHub-Delivery", "g-chunked")
	req.Header.Set(SignatureHeader, Sign([]byte(testSecret), body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("chunked: status %d, want 200", w.Code)
	}
	if st := h.Stats(); st.Accepted != 2 || st.Busy != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
