package webhook

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ingest"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

const testSecret = "It's a Secret to Everybody"

var testNow = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// counting wraps the real committer: the only way into the state.
type counting struct {
	next  Committer
	calls atomic.Int64
}

func (c *counting) CommitWebhook(guid string, o exporter.Observation) (ingest.WebhookResult, error) {
	c.calls.Add(1)
	return c.next.CommitWebhook(guid, o)
}

type rig struct {
	t      testing.TB
	db     *state.DB
	commit *counting
	h      *Handler
	logs   *testtools.Logs

	mu  sync.Mutex
	now time.Time // the handler's clock
}

// advance moves the handler's clock.
func (r *rig) advance(d time.Duration) { r.mu.Lock(); r.now = r.now.Add(d); r.mu.Unlock() }

// newRig is a Handler committing through a real ingest.Poller into a
// real state file, scoped to the org "acme" and the repo "Codertocat/Hello-World".
func newRig(t testing.TB, opts ...state.Options) *rig {
	t.Helper()
	var o state.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p := &ingest.Poller{DB: db, Sinks: []string{"out"}, Now: func() time.Time { return testNow }}
	r := &rig{t: t, db: db, commit: &counting{next: p}, logs: &testtools.Logs{}, now: testNow}
	r.h, err = New(Options{
		Now:    func() time.Time { r.mu.Lock(); defer r.mu.Unlock(); return r.now },
		Secret: []byte(testSecret), Commit: r.commit,
		InScope: func(repo, _ string) bool {
			return strings.HasPrefix(strings.ToLower(repo), "acme/") || strings.EqualFold(repo, "Codertocat/Hello-World")
		},
		Logger: slog.New(slog.NewTextHandler(r.logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// post sends body as event; sig "" signs it correctly, "-" sends none.
func (r *rig) post(event, guid string, body []byte, sig string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/github/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if event != "" {
		req.Header.Set("X-GitHub-Event", event)
	}
	req.Header.Set("X-GitHub-Delivery", guid)
	switch sig {
	case "":
		req.Header.Set(SignatureHeader, Sign([]byte(testSecret), body))
	case "-":
	default:
		req.Header.Set(SignatureHeader, sig)
	}
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	return w
}

// records are the records in the outbox.
func (r *rig) records() []exporter.Record {
	r.t.Helper()
	var out []exporter.Record
	err := r.db.View(func(tx *state.Tx) error {
		items, err := tx.Peek("out", 100000)
		for _, it := range items {
			out = append(out, it.Record)
		}
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// snapshots counts stored snapshots of every source.
func (r *rig) snapshots() int {
	n := 0
	_ = r.db.View(func(tx *state.Tx) error {
		for _, src := range exporter.AlertSources {
			_ = tx.ForEachSnapshot(src, "", func(exporter.AlertKey, exporter.Snapshot) error { n++; return nil })
		}
		return nil
	})
	return n
}

const dependabotBody = `{"action":"dismissed","alert":{"number":3,"state":"dismissed","created_at":"2026-01-01T10:00:00Z","updated_at":"2026-01-02T10:00:00Z","dismissed_at":"2026-01-02T10:00:00Z","dismissed_by":{"login":"alice"},"dismissed_reason":"tolerable_risk","html_url":"https://github.com/acme/widgets/security/dependabot/3","security_advisory":{"ghsa_id":"GHSA-aaaa-bbbb-cccc","summary":"bad","severity":"high"},"security_vulnerability":{"severity":"high","package":{"name":"lodash","ecosystem":"npm"}},"dependency":{"manifest_path":"package.json"}},"repository":{"full_name":"acme/widgets"},"sender":{"login":"alice"}}`
