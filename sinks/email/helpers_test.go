package email

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/delivery"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// base is the fixed clock of the fixture records.
var base = time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func openState(t testing.TB, path string) *state.DB {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "state.db")
	}
	db, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newSink builds a sink on db; a nil now is the wall clock.
func newSink(t testing.TB, cfg Config, db exporter.SinkStore, now func() time.Time) *Sink {
	t.Helper()
	if now == nil {
		now = time.Now
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	r := &retries{maxWaits: 5}
	r.Retrier = &delivery.Retrier{Name: "security-team", Log: testLogger(t).With("sink", "security-team"), Sleep: r.sleep,
		Jitter: func(d time.Duration) time.Duration { return d }}
	res, err := cfg.Resolve()
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	s, err := New(res, exporter.SinkDeps{Name: "security-team", Logger: testLogger(t), Version: "1.2.3", Store: db, Now: now, Attempts: r})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// errStopped ends a test's retries after maxWaits waits, as a shutdown or
// the next schedule would.
var errStopped = errors.New("test stopped waiting")

// retries is the tests' Attempter: the daemon's Retrier, with its waits
// recorded instead of slept and every mail attempt counted.
type retries struct {
	*delivery.Retrier
	mu       sync.Mutex
	waits    []time.Duration
	sends    int
	maxWaits int
	// onWait runs before the n-th wait (1-based) returns; tests change the
	// server there, so each fault is hit a known number of times.
	onWait func(n int)
}

func (r *retries) Attempt(ctx context.Context, what string, send func(context.Context) error) error {
	return r.Retrier.Attempt(ctx, what, func(ctx context.Context) error {
		if what == "digest" || what == "immediate mail" {
			r.mu.Lock()
			r.sends++
			r.mu.Unlock()
		}
		return send(ctx)
	})
}

func (r *retries) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.waits = append(r.waits, d)
	n, hook, stop := len(r.waits), r.onWait, len(r.waits) >= r.maxWaits
	r.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	if stop {
		return errStopped
	}
	return ctx.Err()
}

// counts returns how many sends were attempted and how many waits made.
func (r *retries) counts() (sends, waits int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sends, len(r.waits)
}

func retriesOf(s *Sink) *retries { return s.attempts.(*retries) }

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// mailpitConfig is a valid config for m.
func mailpitConfig(m *receivers.Mailpit, tlsMode string) Config {
	cfg := DefaultConfig()
	cfg.Host, cfg.Port, cfg.TLS = "127.0.0.1", m.SMTPPort, tlsMode
	if m.CertFile != "" {
		cfg.CAFile = m.CertFile
		cfg.Username, cfg.PasswordFile = receivers.MailpitUser, m.PasswordFile
	}
	cfg.From = "ghsec-exporter <ghsec@example.com>"
	cfg.To = []string{"security@example.com", "ciso@example.com"}
	cfg.Timeout = 10_000_000_000
	return cfg
}

func ptr[T any](v T) *T { return &v }

func alertRec(src exporter.Source, repo string, n int, action, sev string, at time.Time, mod func(*exporter.Record)) exporter.Record {
	r := exporter.Record{
		Schema: 1, ID: exporter.AlertRecordID(src, repo, n, action, at), Time: at, ObservedAt: at.Add(time.Minute),
		Category: exporter.CategoryAlert, Source: src, Action: action, Origin: exporter.OriginPoll,
		Org: "acme", Repo: repo,
		Alert: &exporter.AlertInfo{Number: n, State: "open", Severity: sev, Title: fmt.Sprintf("%s alert %d", src, n),
			HTMLURL: fmt.Sprintf("https://github.com/%s/security/%d", repo, n), CreatedAt: ptr(at)},
	}
	if mod != nil {
		mod(&r)
	}
	return r
}

func auditRec(action, actor, doc string, at time.Time) exporter.Record {
	return exporter.Record{
		Schema: 1, ID: exporter.AuditRecordID(doc), Time: at, ObservedAt: at, Category: exporter.CategoryAudit,
		Source: exporter.SourceAuditLog, Action: action, Origin: exporter.OriginPoll, Org: "acme", Repo: "acme/widgets", Actor: actor,
		Audit: &exporter.AuditInfo{Action: action, DocumentID: doc, Entry: []byte(`{"action":"` + action + `"}`)},
	}
}

// fixture is a fixed period's worth of records covering every digest section.
func fixture() []exporter.Record {
	h := func(n int) time.Time { return base.Add(-time.Duration(n) * time.Hour) }
	return []exporter.Record{
		alertRec(exporter.SourceDependabot, "acme/widgets", 41, exporter.ActionCreated, "critical", h(20), func(r *exporter.Record) {
			r.Alert.Title, r.Alert.Package, r.Alert.GHSAID = "Prototype pollution in lodash", "lodash", "GHSA-xxxx-yyyy-zzzz"
		}),
		alertRec(exporter.SourceCodeScanning, "acme/api", 7, exporter.ActionCreated, "high", h(18), func(r *exporter.Record) {
			r.Alert.Title = "SQL injection <script>alert(1)</script>"
		}),
		alertRec(exporter.SourceCodeScanning, "acme/api", 8, exporter.ActionCreated, "medium", h(17), nil),
		alertRec(exporter.SourceSecretScanning, "acme/widgets", 3, exporter.ActionPushProtectionBypassed, "", h(16), func(r *exporter.Record) {
			r.Actor, r.Alert.SecretType, r.Alert.Title = "mallory", "github_personal_access_token", ""
		}),
		alertRec(exporter.SourceDependabot, "acme/widgets", 12, exporter.ActionFixed, "high", h(10), func(r *exporter.Record) {
			r.Alert.State, r.Alert.CreatedAt = "fixed", ptr(h(10).Add(-72*time.Hour))
		}),
		alertRec(exporter.SourceDependabot, "acme/api", 13, exporter.ActionFixed, "low", h(9), func(r *exporter.Record) {
			r.Alert.State, r.Alert.CreatedAt = "fixed", ptr(h(9).Add(-26*time.Hour))
		}),
		alertRec(exporter.SourceCodeScanning, "acme/web", 2, exporter.ActionFixed, "medium", h(8), func(r *exporter.Record) {
			r.Alert.State, r.Alert.CreatedAt = "fixed", ptr(h(8).Add(-5*time.Hour-30*time.Minute))
		}),
		alertRec(exporter.SourceDependabot, "acme/web", 5, exporter.ActionDismissed, "medium", h(6), func(r *exporter.Record) {
			r.Actor, r.Alert.State, r.Alert.Reason, r.Alert.Comment = "alice", "dismissed", "tolerable_risk", "only used in tests"
		}),
		alertRec(exporter.SourceSecretScanning, "acme/api", 4, exporter.ActionResolved, "", h(5), func(r *exporter.Record) {
			r.Actor, r.Alert.State, r.Alert.Reason, r.Alert.SecretType = "bob", "resolved", "revoked", "aws_access_key_id"
		}),
		alertRec(exporter.SourceCodeScanning, "acme/api", 9, exporter.ActionReopened, "high", h(4), nil),
		auditRec("repo.destroy", "carol", "doc-1", h(3)),
		auditRec("org.update_member", "carol", "doc-2", h(3)),
		auditRec("org.update_member", "dave", "doc-3", h(2)),
		auditRec("org.update_member", "carol", "doc-4", h(1)),
	}
}

// seedOpen writes open-alert snapshots the way the pipeline does.
func seedOpen(t testing.TB, db *state.DB) {
	t.Helper()
	snaps := []struct {
		k exporter.AlertKey
		s exporter.Snapshot
	}{
		{exporter.AlertKey{Source: exporter.SourceDependabot, Repo: "acme/widgets", Number: 41}, exporter.Snapshot{State: "open", Severity: "critical"}},
		{exporter.AlertKey{Source: exporter.SourceDependabot, Repo: "acme/widgets", Number: 42}, exporter.Snapshot{State: "open", Severity: "high"}},
		{exporter.AlertKey{Source: exporter.SourceDependabot, Repo: "acme/api", Number: 1}, exporter.Snapshot{State: "open", Severity: "medium"}},
		{exporter.AlertKey{Source: exporter.SourceCodeScanning, Repo: "acme/api", Number: 7}, exporter.Snapshot{State: "open", Severity: "high"}},
		{exporter.AlertKey{Source: exporter.SourceCodeScanning, Repo: "acme/api", Number: 8}, exporter.Snapshot{State: "open", Severity: "medium"}},
		{exporter.AlertKey{Source: exporter.SourceCodeScanning, Repo: "acme/api", Number: 9}, exporter.Snapshot{State: "open", Severity: "high"}},
		{exporter.AlertKey{Source: exporter.SourceCodeScanning, Repo: "acme/web", Number: 3}, exporter.Snapshot{State: "open", Severity: "low"}},
		{exporter.AlertKey{Source: exporter.SourceSecretScanning, Repo: "acme/widgets", Number: 3}, exporter.Snapshot{State: "open"}},
		{exporter.AlertKey{Source: exporter.SourceDependabot, Repo: "acme/web", Number: 5}, exporter.Snapshot{State: "dismissed", Severity: "medium"}},
	}
	if err := db.Update(func(tx *state.Tx) error {
		for _, s := range snaps {
			s.s.UpdatedAt = base
			if err := tx.PutSnapshot(s.k, s.s); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
