package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/prometheus/client_golang/prometheus"
)

// AuditRecheck is how long a scope whose audit log GitHub says does not
// exist is left alone before it is tried again: the org may move to
// Enterprise Cloud, but asking every minute would only burn the budget.
const AuditRecheck = 24 * time.Hour

// DetectRetry is how long after a failed detection (GET /meta) it is tried
// again; meanwhile every endpoint is tried.
const DetectRetry = time.Hour

// product is what the daemon learned about the GitHub behind the base URL
// and about which scopes have an audit log.
type product struct {
	detectMu sync.Mutex // held while detecting
	mu       sync.Mutex // guards the fields below
	lastTry  time.Time  // last detection attempt
	detErr   string     // why the last detection failed; "" once it worked
	decided  bool       // detection done (or the config named the product)
	evidence string     // what decided it, for the health endpoint
	warned   map[string]bool

	// noAudit are the scopes whose audit log GitHub answered 404 for.
	noAudit unanswered[ghapi.Scope]
}

// warnOnce logs msg at WARN the first time key is seen.
func (a *App) warnOnce(key, msg string, args ...any) {
	p := &a.prod
	p.mu.Lock()
	if p.warned == nil {
		p.warned = map[string]bool{}
	}
	seen := p.warned[key]
	p.warned[key] = true
	p.mu.Unlock()
	if !seen {
		a.log.Warn(msg, args...)
	}
}

// ensureProduct settles the product before a job lists anything. An
// explicit github.product wins (detection then only fills a missing
// ghes_version); otherwise GitHub's own answer decides. When /meta cannot
// be read, the configured product (or ghec: every endpoint is tried) is
// used and detection is retried after DetectRetry, warning once.
func (a *App) ensureProduct(ctx context.Context) {
	p := &a.prod
	// one detection at a time: the alert and audit jobs start together
	p.detectMu.Lock()
	defer p.detectMu.Unlock()
	p.mu.Lock()
	decided, lastTry := p.decided, p.lastTry
	p.mu.Unlock()
	now := a.opts.Now()
	if decided || (!lastTry.IsZero() && now.Sub(lastTry) < DetectRetry) {
		return
	}
	p.mu.Lock()
	p.lastTry = now
	p.mu.Unlock()
	g := a.cfg.GitHub
	if g.Product != "" && (g.Product != ghapi.ProductGHES || g.GHESVersion != "") {
		a.gh.SetProduct(g.Product, g.GHESVersion)
		a.setDecided("github.product in the config")
		if g.Product == ghapi.ProductDotcom && len(g.Orgs)+len(g.Enterprises) > 0 {
			a.log.Warn("audit log not polled: github.product is dotcom; remove github.product to detect GitHub Enterprise Cloud orgs, or set it to ghec",
				"orgs", len(g.Orgs), "enterprises", len(g.Enterprises))
		}
		return
	}
	d, err := a.gh.Detect(ctx)
	p.mu.Lock()
	p.detErr = ""
	if err != nil {
		p.detErr = err.Error()
	}
	p.mu.Unlock()
	if err != nil {
		// ghec serves every list and audit log the exporter knows, so acting
		// as ghec learns from what GitHub answers per endpoint
		a.gh.SetProduct(d.Acting(g.Product), g.GHESVersion)
		retry := ", detection retried hourly"
		if a.oneShot {
			retry = "" // `once` asks no more
		}
		if g.Product != "" {
			a.warnOnce("detect", "github.product is "+g.Product+" but its release is unknown (GET /meta unanswered): the newest assumed"+retry+" (set github.ghes_version to say which)",
				"err", err)
			return
		}
		a.warnOnce("detect", "could not detect the GitHub product; trying every endpoint"+retry+" (set github.product to skip detection)",
			"acting_as", a.gh.Product(), "err", err)
		return
	}
	product, version := d.Acting(g.Product), d.GHESVersion
	if g.GHESVersion != "" {
		version = g.GHESVersion
	}
	a.gh.SetProduct(product, version)
	a.setDecided(d.Evidence)
	a.log.Info("github product detected", "product", product, "ghes_version", version, "evidence", d.Evidence)
}

// productReady settles the product (ensureProduct) and fails when it does
// not serve the configured API version: every request would be refused.
func (a *App) productReady(ctx context.Context) error {
	a.ensureProduct(ctx)
	return a.gh.CheckAPIVersion()
}

// CheckStart refuses to start when github.api_version is newer than the
// default and the product, as configured or detected now, does not serve
// it (GHES before 3.21 and 2026-03-10), naming both versions. With the
// default version nothing is asked here: the first job detects the
// product, as before. A detection that fails does not refuse: the jobs
// check again once it succeeds.
func (a *App) CheckStart(ctx context.Context) error {
	if a.gh.APIVersion() == ghapi.DefaultAPIVersion {
		return nil
	}
	if err := a.productReady(ctx); err != nil {
		return fmt.Errorf("github: %w", err)
	}
	return nil
}

func (a *App) setDecided(evidence string) {
	p := &a.prod
	p.mu.Lock()
	p.decided, p.evidence = true, evidence
	p.mu.Unlock()
}

// skipTarget reports once that the product does not offer src at a scope
// the config names.
func (a *App) skipTarget(k ghapi.ScopeKind, name string, src exporter.Source) {
	a.warnOnce(fmt.Sprintf("skip %s:%s %s", k, name, src),
		"alert list not offered by this GitHub product; skipped: remove the scope or fix github.product",
		"scope", string(k)+":"+name, "source", src, "product", a.gh.Product())
}

// auditDue reports whether s's audit log should be polled now: always,
// unless GitHub said it has none less than AuditRecheck ago.
func (a *App) auditDue(s ghapi.Scope) bool {
	return a.prod.noAudit.due(s.String(), a.opts.Now(), AuditRecheck)
}

// auditAnswered records GitHub's answer for s's audit log. A 404 for an
// org on GitHub's cloud means the org is not on Enterprise Cloud: one
// warning per scope, no job failure, and a re-check after AuditRecheck.
// It returns err unless the answer was that 404.
func (a *App) auditAnswered(s ghapi.Scope, err error) error {
	if err == nil {
		if a.prod.noAudit.answered(s.String()) {
			a.log.Info("audit log now available; polling it", "scope", s.String())
		}
		return nil
	}
	if ghapi.StatusOf(err) != 404 || s.Kind != ghapi.ScopeOrg || a.gh.Product() == ghapi.ProductGHES {
		return err
	}
	if !a.prod.noAudit.notFound(s.String(), s, a.opts.Now()) {
		a.log.Warn("org has no audit log (not on GitHub Enterprise Cloud): its alerts are still polled, its audit log is re-checked daily; set github.product: dotcom to stop trying audit logs",
			"scope", s.String(), "recheck", AuditRecheck, "err", err)
	}
	return nil
}

// AuditUnavailable lists the scopes whose audit log GitHub says does not
// exist, with the reason and when it is tried again.
func (a *App) AuditUnavailable() []AuditStatus {
	missing := a.prod.noAudit.list()
	out := make([]AuditStatus, len(missing))
	for i, m := range missing {
		reason := "GitHub answers 404 for /orgs/" + m.item.Name + "/audit-log: the org is not on GitHub Enterprise Cloud (or the credential cannot see it)"
		out[i] = AuditStatus{Scope: m.key, Reason: reason, NextCheck: m.checkedAt.Add(AuditRecheck)}
	}
	return out
}

// AuditStatus is one scope without an audit log, as /healthz shows it.
type AuditStatus struct {
	Scope     string    `json:"scope"`
	Reason    string    `json:"reason"`
	NextCheck time.Time `json:"next_check"`
}

// productHealth is the "github" part of /healthz.
func (a *App) productHealth() map[string]any {
	p := &a.prod
	p.mu.Lock()
	evidence, detErr := p.evidence, p.detErr
	p.mu.Unlock()
	h := map[string]any{"product": a.gh.Product(), "ghes_version": a.gh.GHESVersion(), "evidence": evidence,
		"audit_log_unavailable": a.AuditUnavailable(), "request_lists_unavailable": a.RequestsUnavailable()}
	if detErr != "" {
		h["detection_error"] = detErr
	}
	return h
}

var descAuditAvail = prometheus.NewDesc("ghsec_github_audit_log_available",
	"1 when the scope's audit log answers, 0 while GitHub says it has none (re-checked daily).", []string{"scope"}, nil)

// productCollector exports audit-log availability per audit scope.
type productCollector struct{ a *App }

func (c productCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descAuditAvail }

func (c productCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.a.AuditScopes() {
		v := 1.0
		if c.a.prod.noAudit.has(s.String()) {
			v = 0
		}
		ch <- prometheus.MustNewConstMetric(descAuditAvail, prometheus.GaugeValue, v, s.String())
	}
}

// NewGitHubClient builds the GitHub client the daemon would use for cfg,
// with the credential in secrets (what cfg.Resolve read), for commands that
// talk to GitHub without running the daemon (`ghsec-exporter check`). It
// fails on a malformed base URL.
func NewGitHubClient(cfg *config.Config, secrets *config.Secrets, log *slog.Logger, version string) (*ghapi.Client, error) {
	return newGitHubClient(cfg, Options{Logger: log, Version: version, Now: time.Now, Secrets: secrets})
}
