package daemon

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/webhook"
	"github.com/prometheus/client_golang/prometheus"
)

// webhookState is the listener's state for /healthz and metrics.
type webhookState struct {
	handler *webhook.Handler
	// base counts the deliveries of the handlers this one replaced on
	// config reloads.
	base webhook.Stats

	mu    sync.Mutex
	addr  string
	state string // off | starting | listening | failed | stopped
	err   string
	ready chan struct{} // closed once the listener is bound or has failed
}

// newWebhook builds the receiver when the config has a webhook section.
func (a *App) newWebhook() error {
	w := a.cfg.Webhook
	a.webhook = &webhookState{state: "off", ready: make(chan struct{})}
	if w == nil {
		return nil
	}
	h, err := webhook.New(webhook.Options{
		Secret: []byte(a.opts.Secrets.WebhookSecret), Commit: a.poller, InScope: a.inScope,
		IncludeRaw: a.cfg.Records.IncludeRaw, Logger: a.log.With("component", "webhook"),
		BodyBudget: int64(w.BodyBudgetMiB) << 20,
	})
	if err != nil {
		return err
	}
	a.webhook.handler, a.webhook.state = h, "starting"
	return nil
}

// inScope reports whether a delivery's repository is one the config polls.
func (a *App) inScope(repo, enterprise string) bool {
	g := a.cfg.GitHub
	owner, _, _ := strings.Cut(repo, "/")
	for _, o := range g.Orgs {
		if strings.EqualFold(o, owner) {
			return true
		}
	}
	for _, r := range g.Repos {
		if strings.EqualFold(r, repo) {
			return true
		}
	}
	for _, e := range g.Enterprises {
		if enterprise != "" && strings.EqualFold(e, enterprise) {
			return true
		}
	}
	return false
}

// WebhookHandler is the receiver's handler (nil when not configured), for
// tests and benchmarks that serve it themselves.
func (a *App) WebhookHandler() http.Handler {
	if a.webhook.handler == nil {
		return nil
	}
	return a.webhook.handler
}

// WebhookAddr waits until Run has bound the webhook listener and returns
// its address; "" when it is not configured, failed, or ctx ended first.
func (a *App) WebhookAddr(ctx context.Context) string {
	if a.webhook.handler == nil {
		return ""
	}
	select {
	case <-a.webhook.ready:
	case <-ctx.Done():
		return ""
	}
	a.webhook.mu.Lock()
	defer a.webhook.mu.Unlock()
	return a.webhook.addr
}

// serveWebhook runs the listener until ctx ends.
func (a *App) serveWebhook(ctx context.Context) {
	ws, w := a.webhook, a.cfg.Webhook
	srv, err := webhook.Listen(w.Listen, w.Path, ws.handler, a.opts.Secrets.WebhookCert, a.log.With("component", "webhook"))
	if err != nil {
		ws.set("failed", "", err)
		close(ws.ready)
		a.log.Error("webhook listener not started; polling continues", "listen", w.Listen, "err", err)
		return
	}
	ws.set("listening", srv.Addr(), nil)
	close(ws.ready)
	a.log.Info("webhook listener", "listen", srv.Addr(), "path", w.Path, "tls", a.opts.Secrets.WebhookCert != nil)
	if err := srv.Serve(ctx); err != nil {
		ws.set("failed", srv.Addr(), err)
		a.log.Error("webhook listener stopped; polling continues", "listen", srv.Addr(), "err", err)
		return
	}
	ws.set("stopped", srv.Addr(), nil)
}

func (ws *webhookState) set(state, addr string, err error) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.state, ws.addr, ws.err = state, addr, ""
	if err != nil {
		ws.err = err.Error()
	}
}

// health is the listener's entry in /healthz; failed is true when a
// configured listener is not serving.
func (ws *webhookState) health() (entry map[string]any, failed bool) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	entry = map[string]any{"state": ws.state}
	if ws.addr != "" {
		entry["listen"] = ws.addr
	}
	if ws.err != "" {
		entry["last_error"] = ws.err
	}
	if ws.handler != nil {
		entry["deliveries"] = ws.stats()
	}
	return entry, ws.state == "failed"
}

var (
	descWebhook        = prometheus.NewDesc("ghsec_webhook_deliveries_total", "Webhook deliveries by result (received counts every request).", []string{"result"}, nil)
	descWebhookRecords = prometheus.NewDesc("ghsec_webhook_records_total", "Records committed from webhook deliveries.", nil, nil)
	descWebhookUp      = prometheus.NewDesc("ghsec_webhook_listener_up", "1 while the webhook listener serves.", nil, nil)
)

func (a *App) collectWebhook(ch chan<- prometheus.Metric) {
	ws := a.webhook
	if ws.handler == nil {
		return
	}
	st := ws.stats()
	for _, r := range []struct {
		name string
		n    uint64
	}{
		{"received", st.Received}, {"accepted", st.Accepted}, {"duplicate", st.Duplicates},
		{"unauthorized", st.Unauthorized}, {"too_large", st.TooLarge}, {"busy", st.Busy}, {"ignored", st.Ignored},
		{"out_of_scope", st.OutOfScope}, {"failed", st.Failed},
	} {
		ch <- prometheus.MustNewConstMetric(descWebhook, prometheus.CounterValue, float64(r.n), r.name)
	}
	ch <- prometheus.MustNewConstMetric(descWebhookRecords, prometheus.CounterValue, float64(st.Records))
	up := 0.0
	ws.mu.Lock()
	if ws.state == "listening" {
		up = 1
	}
	ws.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(descWebhookUp, prometheus.GaugeValue, up)
}
