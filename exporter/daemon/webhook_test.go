package daemon

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ingest"
)

const hookSecret = "It's a Secret to Everybody"

// hookEnv is env plus the receiver: the App's real webhook handler behind a
// gate that can play a receiver that is down (connection-level failure as
// GitHub sees it: no 2xx, nothing stored).
type hookEnv struct {
	*env
	app    *App
	down   atomic.Bool
	hookID int64
	srv    *httptest.Server
}

func newHookEnv(t *testing.T, redelivery bool) *hookEnv {
	t.Helper()
	return newHookEnvFor(t, "dotcom", redelivery)
}

func newHookEnvFor(t *testing.T, product string, redelivery bool) *hookEnv {
	t.Helper()
	e := newEnv(t, product)
	secretFile := filepath.Join(e.dir, "webhook-secret")
	must(t, os.WriteFile(secretFile, []byte(hookSecret+"\n"), 0o600))
	e.cfg.Webhook = &config.Webhook{Listen: "127.0.0.1:0", Path: config.DefaultWebhookPath, SecretFile: secretFile}
	h := &hookEnv{env: e}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.down.Load() {
			http.Error(w, "receiver down", http.StatusBadGateway)
			return
		}
		h.app.WebhookHandler().ServeHTTP(w, r)
	}))
	t.Cleanup(h.srv.Close)
	h.hookID = e.sim.AddHook(ghsim.Hook{URL: h.srv.URL + config.DefaultWebhookPath, Secret: []byte(hookSecret), Org: "acme", APIBase: e.srv.URL})
	if redelivery {
		e.cfg.Webhook.Redelivery = &config.Redelivery{Schedule: "@every 10m", Hooks: []config.HookRef{{Org: "acme", ID: h.hookID}}}
		e.cfg.Webhook.Redelivery.Window.Set(72 * time.Hour)
	}
	e.sim.AddRepo("acme/widgets")
	e.sim.AddRepo("other/solo")
	h.app = e.app(Options{})
	t.Cleanup(func() { h.app.Close() })
	return h
}

// send delivers every pending delivery, in order.
func (h *hookEnv) send() { h.sim.SendPending(context.Background()) }

func (h *hookEnv) poll() {
	h.t.Helper()
	must(h.t, h.app.PollAlerts(context.Background()))
}

func (h *hookEnv) drained() []string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(h.t, h.app.Drain(ctx))
	return summary(h.records())
}

func TestWebhook_ThenPoll_EachRecordOnce(t *testing.T) {
	h := newHookEnv(t, false)
	s := h.sim
	s.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	h.send()
	h.poll()
	s.Advance(time.Minute)
	must(t, s.Dismiss(ghsim.Dependabot, "acme/widgets", 1, "alice", "tolerable_risk", "ok"))
	h.send()
	h.poll()
	s.Advance(time.Minute)
	must(t, s.Reopen(ghsim.Dependabot, "acme/widgets", 1, "bob"))
	h.send()
	s.Advance(time.Minute)
	h.poll()
	equalLines(t, "webhook then poll", h.drained(), []string{
		"dependabot acme/widgets#1 created (webhook)",
		"dependabot acme/widgets#1 dismissed by alice (webhook)",
		"dependabot acme/widgets#1 reopened by bob (webhook)",
	})
	h.checkOpenAPI("dotcom")
}

func TestWebhook_PollThenWebhook_EachRecordOnce(t *testing.T) {
	h := newHookEnv(t, false)
	s := h.sim
	s.CreateAlert(ghsim.CodeScanning, "acme/widgets", ghsim.AlertSpec{Severity: "high", RuleID: "js/xss"})
	h.poll()
	h.send()
	s.Advance(time.Minute)
	must(t, s.Dismiss(ghsim.CodeScanning, "acme/widgets", 1, "alice", "false positive", ""))
	s.Advance(time.Minute)
	h.poll()
	h.send()
	equalLines(t, "poll then webhook", h.drained(), []string{
		"code_scanning acme/widgets#1 created (backfill)",
		"code_scanning acme/widgets#1 dismissed by alice (poll)",
	})
	if st := h.app.webhook.handler.Stats(); st.Accepted != 2 || st.Records != 0 {
		t.Fatalf("webhooks after the poll must be accepted and emit nothing: %+v", st)
	}
}

func TestWebhook_DuplicateAndOutOfOrder(t *testing.T) {
	h := newHookEnv(t, false)
	s := h.sim
	ctx := context.Background()
	s.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	h.send()
	s.Advance(time.Minute)
	must(t, s.Dismiss(ghsim.Dependabot, "acme/widgets", 1, "alice", "tolerable_risk", ""))
	s.Advance(time.Minute)
	must(t, s.Reopen(ghsim.Dependabot, "acme/widgets", 1, "bob"))
	p := s.PendingDeliveries()
	if len(p) != 2 {
		t.Fatalf("want 2 pending deliveries, got %d", len(p))
	}
	// newest first: the reopen, then the (older) dismissal, then both again
	for _, d := range []ghsim.HookDelivery{p[1], p[0], p[1], p[0]} {
		if code, err := s.SendDelivery(ctx, d.ID); err != nil || code != http.StatusOK {
			t.Fatalf("delivery %s: %d %v", d.GUID, code, err)
		}
	}
	s.Advance(time.Minute)
	h.poll()
	// The reopen arrived first against an open snapshot: nothing changed
	// state, so nothing is emitted; the older dismissal must not move the
	// snapshot back (no false dismissed, no false reopen later).
	equalLines(t, "out of order", h.drained(), []string{
		"dependabot acme/widgets#1 created (webhook)",
	})
	if st := h.app.webhook.handler.Stats(); st.Duplicates != 2 {
		t.Fatalf("want 2 duplicates, got %+v", st)
	}
}

func TestWebhook_OutOfOrderCloseThenStaleReopen(t *testing.T) {
	h := newHookEnv(t, false)
	s := h.sim
	ctx := context.Background()
	s.CreateAlert(ghsim.SecretScanning, "acme/widgets", ghsim.AlertSpec{SecretType: "aws_access_key_id", Secret: leaked})
	h.send()
	s.Advance(time.Minute)
	must(t, s.Resolve("acme/widgets", 1, "sec-lead", "revoked", "rotated"))
	s.Advance(time.Minute)
	must(t, s.Reopen(ghsim.SecretScanning, "acme/widgets", 1, "dev1"))
	s.Advance(time.Minute)
	must(t, s.Resolve("acme/widgets", 1, "sec-lead", "revoked", "again"))
	p := s.PendingDeliveries()
	for _, i := range []int{2, 0, 1} { // newest resolve first, then the stale ones
		if _, err := s.SendDelivery(ctx, p[i].ID); err != nil {
			t.Fatal(err)
		}
	}
	h.poll()
	equalLines(t, "stale deliveries", h.drained(), []string{
		"secret_scanning acme/widgets#1 created (webhook)",
		"secret_scanning acme/widgets#1 resolved by sec-lead (webhook)",
	})
}

func TestWebhook_DroppedWhileDown_RecoveredByRedelivery(t *testing.T) {
	for _, product := range []string{"dotcom", "ghec", "ghes"} {
		t.Run(product, func(t *testing.T) { droppedWhileDown(t, product) })
	}
}

func droppedWhileDown(t *testing.T, product string) {
	h := newHookEnvFor(t, product, true)
	s := h.sim
	ctx := context.Background()
	s.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	h.send()
	h.down.Store(true)
	s.Advance(time.Minute)
	must(t, s.Dismiss(ghsim.Dependabot, "acme/widgets", 1, "alice", "tolerable_risk", ""))
	s.Advance(time.Minute)
	s.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "low"})
	h.send() // both fail: 502
	p := s.Deliveries()
	s.Advance(time.Minute)
	must(t, s.Reopen(ghsim.Dependabot, "acme/widgets", 1, "bob"))
	s.Drop(s.PendingDeliveries()[0].ID) // lost on the way
	h.down.Store(false)

	must(t, h.app.Redeliver(ctx))
	if got := s.Redeliveries(); got != 3 {
		t.Fatalf("want 3 redeliveries requested, got %d (deliveries %d)", got, len(p))
	}
	h.send()
	// a second run finds every GUID delivered or processed: asks nothing
	must(t, h.app.Redeliver(ctx))
	if got := s.Redeliveries(); got != 3 {
		t.Fatalf("second run asked again: %d", got)
	}
	s.Advance(time.Minute)
	h.poll()
	equalLines(t, "recovered", h.drained(), []string{
		"dependabot acme/widgets#1 created (webhook)",
		"dependabot acme/widgets#1 dismissed by alice (webhook)",
		"dependabot acme/widgets#1 reopened by bob (webhook)",
		"dependabot acme/widgets#2 created (webhook)",
	})
	h.checkOpenAPI(product)
}

func TestWebhook_CrashAfterAck_RecordsDeliveredAfterRestart(t *testing.T) {
	h := newHookEnv(t, false)
	s := h.sim
	s.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	if n := s.SendPending(context.Background()); n != 1 {
		t.Fatalf("delivery not acknowledged")
	}
	// the process dies right after the 2xx: nothing delivered yet
	if recs := h.records(); len(recs) != 0 {
		t.Fatalf("records reached the sink before delivery ran: %v", summary(recs))
	}
	must(t, h.app.Close())
	h.app = h.app0()
	equalLines(t, "after restart", h.drained(), []string{"dependabot acme/widgets#1 created (webhook)"})
	var pending int
	must(t, h.app.DB().View(func(tx *stateTx) error { var err error; pending, err = tx.Pending("out"); return err }))
	if pending != 0 {
		t.Fatalf("outbox not emptied: %d", pending)
	}
}

// app0 opens a new App on the same state file (a restarted process).
func (h *hookEnv) app0() *App { return h.env.app(Options{}) }

func TestWebhook_GUIDSeenSetIsPruned(t *testing.T) {
	h := newHookEnv(t, false)
	h.sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{})
	h.send()
	guid := h.sim.Deliveries()[0].GUID
	seen, err := h.app.poller.DeliverySeen(guid)
	if err != nil || !seen {
		t.Fatalf("GUID not recorded: %v %v", seen, err)
	}
	h.sim.Advance(ingest.DeliveryRetention + time.Hour)
	// a receiver without a redelivery job prunes on a schedule of its own
	var prune *job
	for _, j := range h.app.scheduled() {
		if j.name == "webhook_redelivery" {
			t.Fatal("no redelivery configured, yet a redelivery job is scheduled")
		}
		if j.name == "webhook_prune" {
			prune = &j
		}
	}
	if prune == nil {
		t.Fatal("without a redelivery job the GUID set is never pruned")
	}
	if err := prune.fn(context.Background()); err != nil {
		t.Fatal(err)
	}
	if seen, err := h.app.poller.DeliverySeen(guid); err != nil || seen {
		t.Fatalf("GUID still recorded after the prune job: %v %v", seen, err)
	}
}

func TestWebhookAndPoll_AttributeTransitions(t *testing.T) {
	h := newHookEnv(t, false)
	s := h.sim
	s.CreateAlert(ghsim.SecretScanning, "acme/widgets", ghsim.AlertSpec{SecretType: "aws_access_key_id", Secret: leaked, Validity: "inactive"})
	h.poll()
	h.send()
	s.Advance(time.Minute)
	must(t, s.SetValidity("acme/widgets", 1, "active"))
	h.send()
	s.Advance(time.Minute)
	must(t, s.Leak("acme/widgets", 1))
	s.Advance(time.Minute)
	h.poll()
	h.send()
	s.Advance(time.Minute)
	must(t, s.Assign("acme/widgets", 1, "carol", "lead"))
	h.send()
	s.Advance(time.Minute)
	must(t, s.Assign("acme/widgets", 1, "", "lead"))
	s.Advance(time.Minute)
	h.poll()
	h.send()
	equalLines(t, "attributes", h.drained(), []string{
		"secret_scanning acme/widgets#1 created (backfill)",
		"secret_scanning acme/widgets#1 validity_changed by github (webhook)",
		"secret_scanning acme/widgets#1 publicly_leaked (poll)",
		"secret_scanning acme/widgets#1 assigned by lead (webhook)",
		"secret_scanning acme/widgets#1 unassigned (poll)",
	})
	for _, r := range h.records() {
		switch r.Action {
		case "validity_changed":
			if r.Alert.Validity != "active" || r.Alert.PreviousValidity != "inactive" {
				t.Errorf("validity: %+v", r.Alert)
			}
		case "assigned", "unassigned":
			if r.Alert.Assignee != "carol" {
				t.Errorf("%s: assignee %q", r.Action, r.Alert.Assignee)
			}
		}
	}
}
