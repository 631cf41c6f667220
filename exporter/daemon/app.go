package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/delivery"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ingest"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// Options are what the embedding program supplies besides the config.
type Options struct {
	Logger  *slog.Logger
	Version string
	// Now is the clock for observed_at; nil means time.Now.
	Now func() time.Time
	// Sleep is how the GitHub rate limiter and the delivery retries wait;
	// nil means exporter.Sleep. Tests advance a simulated clock with it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Sinks are the destinations, one per configured sink; New builds each
	// once the state file is open. At least one is required.
	Sinks []SinkSpec
	// Previous is the App this one replaces after a config reload, already
	// stopped and closed; nil for the first. Its counters and /healthz
	// history carry on in the new App, less what the new config removed.
	Previous *App
	// Secrets are what cfg.Resolve read (token or App key, webhook secret
	// and certificate). The command resolves the config once, for its
	// checks and the daemon alike, and hands them over; nil: New resolves
	// cfg itself (tests, the demo).
	Secrets *config.Secrets
}

// SinkSpec is one destination the daemon builds and delivers to. The
// command makes them from the config's sinks; tests and the demo make their
// own.
type SinkSpec struct {
	// Name is the configured name: the key of the sink's outbox.
	Name string
	// Build constructs the sink. deps is complete: name, a logger scoped
	// with the name, version, state store and clock.
	Build func(deps exporter.SinkDeps) (exporter.Sink, error)
}

// App is a configured exporter.
type App struct {
	cfg     *config.Config
	opts    Options
	log     *slog.Logger
	db      *state.DB
	gh      *ghapi.Client
	poller  *ingest.Poller
	auditor *ingest.Auditor
	reqs    *ingest.Requests

	sinks      []exporter.Sink
	deliverers []*delivery.Deliverer

	prod product
	// noRequests are the request lists GitHub answered 404 for.
	noRequests unanswered[ghapi.RequestList]
	// oneShot is set by Once: its messages must not promise a retry that
	// never comes.
	oneShot bool

	jobsMu   sync.Mutex
	jobs     map[string]bool // running jobs, to skip overlapping runs
	jobStats jobTracker

	webhook *webhookState

	trim trimTracker

	// ghBase and undecodableBase are the GitHub counters of the Apps this
	// one replaced (Options.Previous), reported added to gh's own.
	ghBase          ghapi.Stats
	undecodableBase int64
}

// New opens the state file and builds the GitHub client and opts.Sinks. It
// fails fast, naming the file, when another process holds the state file,
// and fails when a sink cannot be built.
func New(cfg *config.Config, opts Options) (*App, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	if len(opts.Sinks) == 0 {
		return nil, errors.New("no sinks given")
	}
	if opts.Secrets == nil {
		s, err := cfg.Resolve()
		if err != nil {
			return nil, err
		}
		opts.Secrets = s
	}
	db, err := state.Open(cfg.State.Path, state.Options{})
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, opts: opts, log: opts.Logger, db: db, jobs: map[string]bool{}}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	if a.gh, err = newGitHubClient(cfg, opts); err != nil {
		return nil, err
	}
	var names []string
	for _, spec := range opts.Sinks {
		retry := &delivery.Retrier{
			Name: spec.Name, MinBackoff: cfg.Delivery.MinBackoff.D(), MaxBackoff: cfg.Delivery.MaxBackoff.D(),
			Log: a.log.With("component", "delivery", "sink", spec.Name), Now: opts.Now, Sleep: opts.Sleep,
		}
		s, err := spec.Build(exporter.SinkDeps{
			Name: spec.Name, Logger: a.log.With("sink", spec.Name), Version: opts.Version, Store: db, Now: opts.Now,
			Attempts: retry,
		})
		if err != nil {
			return nil, err
		}
		a.sinks = append(a.sinks, s)
		names = append(names, spec.Name)
		a.deliverers = append(a.deliverers, &delivery.Deliverer{DB: db, Name: spec.Name, Sink: s, BatchSize: cfg.Delivery.BatchSize, Retry: retry})
	}
	a.poller = &ingest.Poller{
		DB: db, GH: a.gh, Sinks: names, Now: opts.Now, Overlap: cfg.GitHub.Overlap.D(), Notify: a.wakeAll,
		GenericSecretTypes: cfg.GitHub.SecretScanning.GenericTypes.List(),
	}
	a.auditor = &ingest.Auditor{
		DB: db, GH: a.gh, Sinks: names, Now: opts.Now,
		Lag: cfg.GitHub.AuditLag.D(), Backfill: cfg.GitHub.AuditBackfill.D(),
		Include: cfg.GitHub.AuditInclude, Phrase: cfg.GitHub.AuditPhrase, Notify: a.wakeAll,
	}
	a.newRequests(names)
	if err := a.newWebhook(); err != nil {
		return nil, err
	}
	a.resume(opts.Previous)
	a.opts.Previous = nil // not a chain of every App since the start
	ok = true
	return a, nil
}

// newGitHubClient builds the client with the credential in opts.Secrets.
func newGitHubClient(cfg *config.Config, opts Options) (*ghapi.Client, error) {
	g := cfg.GitHub
	o := ghapi.Options{
		BaseURL: g.BaseURL, Product: g.Product, GHESVersion: g.GHESVersion, APIVersion: g.APIVersion,
		Reserve: g.RateLimitReserve, Concurrency: g.Concurrency, Timeout: g.RequestTimeout.D(),
		UserAgent: "ghsec-exporter/" + opts.Version, IncludeRaw: cfg.Records.IncludeRaw, AuditBudget: g.AuditBudget,
		Logger: opts.Logger, Now: opts.Now, Sleep: opts.Sleep,
	}
	if o.Product == "" {
		o.Product = ghapi.Detection{}.Acting("") // until detection: every endpoint
	}
	if g.App != nil {
		o.App = &ghapi.AppAuth{AppID: g.App.AppID, InstallationID: g.App.InstallationID, PrivateKey: opts.Secrets.AppPrivateKey}
	} else {
		o.Token = opts.Secrets.GitHubToken
	}
	return ghapi.New(o)
}

// DB is the open state file.
func (a *App) DB() *state.DB { return a.db }

// GitHub is the client (stats for benchmarks).
func (a *App) GitHub() *ghapi.Client { return a.gh }

func (a *App) wakeAll() {
	for _, d := range a.deliverers {
		d.Wake()
	}
}

// AlertTarget is one (scope, kind) the alert jobs list.
type AlertTarget struct {
	Scope  ghapi.Scope
	Source exporter.Source
}

// AlertTargets lists every (scope, kind) the config asks for that the
// product serves.
func (a *App) AlertTargets() []AlertTarget {
	var out []AlertTarget
	for _, s := range a.scopes() {
		for _, src := range exporter.AlertSources {
			if ghapi.Supported(a.gh.Product(), s.Kind, src) {
				out = append(out, AlertTarget{s, src})
			} else {
				a.skipTarget(s.Kind, s.Name, src)
			}
		}
	}
	return out
}

// scopes lists every configured enterprise, org and repository (Scopes):
// the alert, audit and request jobs each walk them.
func (a *App) scopes() []ghapi.Scope { return Scopes(a.cfg.GitHub) }

// Scopes lists every enterprise, org and repository g names, in that
// order: the daemon's jobs and `check` walk the same list.
func Scopes(g config.GitHub) []ghapi.Scope {
	var out []ghapi.Scope
	add := func(k ghapi.ScopeKind, names []string) {
		for _, n := range names {
			out = append(out, ghapi.Scope{Kind: k, Name: n})
		}
	}
	add(ghapi.ScopeEnterprise, g.Enterprises)
	add(ghapi.ScopeOrg, g.Orgs)
	add(ghapi.ScopeRepo, g.Repos)
	return out
}

// PollAlerts runs the incremental alert poll for every target; a failing
// target does not stop the others.
func (a *App) PollAlerts(ctx context.Context) error {
	if err := a.productReady(ctx); err != nil {
		return err
	}
	return eachTarget(ctx, a.AlertTargets(), func(t AlertTarget) error {
		start := time.Now()
		st, err := a.poller.Poll(ctx, t.Scope, t.Source)
		if err != nil {
			// not logged here: the job (or once) reports it once, at ERROR
			return &targetError{t.Scope, string(t.Source), fmt.Sprintf("poll %s alerts of %s", t.Source, t.Scope), err}
		}
		a.log.Info("alert poll", "scope", t.Scope.String(), "source", t.Source, "requests", st.Requests,
			"alerts", st.Items, "records", st.Records, "not_modified", st.NotModified, "took", time.Since(start).Round(time.Millisecond))
		return nil
	})
}

// Reconcile lists every target in full and withdraws vanished alerts.
func (a *App) Reconcile(ctx context.Context) error {
	if err := a.productReady(ctx); err != nil {
		return err
	}
	return eachTarget(ctx, a.AlertTargets(), func(t AlertTarget) error {
		st, err := a.poller.Reconcile(ctx, t.Scope, t.Source)
		if err != nil {
			return &targetError{t.Scope, string(t.Source), fmt.Sprintf("reconcile %s alerts of %s", t.Source, t.Scope), err}
		}
		a.log.Info("reconcile", "scope", t.Scope.String(), "source", t.Source, "requests", st.Requests,
			"alerts", st.Items, "records", st.Records, "withdrawn", st.Withdrawn)
		return nil
	})
}

// eachTarget runs job for every target until ctx ends, and joins the
// failures: a failing target does not stop the others. The jobs log each
// target's success themselves and leave the failure to the job's caller,
// which reports it once.
func eachTarget[T any](ctx context.Context, targets []T, job func(T) error) error {
	var errs []error
	for _, t := range targets {
		if ctx.Err() != nil {
			break
		}
		if err := job(t); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Drain delivers every queued record of every sink, retrying failures until
// ctx ends; it returns the sinks that still hold records.
func (a *App) Drain(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(a.deliverers))
	for i, d := range a.deliverers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.Drain(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Once runs the alert, audit-log and request jobs one time (and the reconcile job
// when reconcile is set), then drains the outboxes, waiting at most
// drainTimeout for failing sinks.
func (a *App) Once(ctx context.Context, drainTimeout time.Duration, reconcile bool) error {
	a.oneShot = true
	if err := a.CheckStart(ctx); err != nil {
		return err
	}
	var ghErrs, errs []error
	if err := a.PollAlerts(ctx); err != nil {
		ghErrs = append(ghErrs, fmt.Errorf("github: %w", err))
	}
	if err := a.PollAudit(ctx); err != nil {
		ghErrs = append(ghErrs, fmt.Errorf("github audit log: %w", err))
	}
	if err := a.PollRequests(ctx); err != nil {
		ghErrs = append(ghErrs, fmt.Errorf("github requests: %w", err))
	}
	if reconcile {
		if err := a.Reconcile(ctx); err != nil {
			ghErrs = append(ghErrs, fmt.Errorf("github reconcile: %w", err))
		}
	}
	if err := a.explain(errors.Join(ghErrs...)); err != nil {
		errs = append(errs, err)
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
	defer cancel()
	if err := a.Drain(dctx); err != nil {
		errs = append(errs, fmt.Errorf("delivery: %w", err))
	} else {
		a.trimState() // every outbox is empty: the point a backfill's file can shrink
	}
	return errors.Join(errs...)
}

// runJob runs fn unless the same job is still running, which is logged and
// skipped (a slow backfill must not pile up polls).
func (a *App) runJob(ctx context.Context, name string, fn func(context.Context) error) {
	a.jobsMu.Lock()
	if a.jobs[name] {
		a.jobsMu.Unlock()
		a.log.Warn("previous run still in progress; skipped", "job", name)
		return
	}
	a.jobs[name] = true
	a.jobsMu.Unlock()
	defer func() {
		a.jobsMu.Lock()
		delete(a.jobs, name)
		a.jobsMu.Unlock()
	}()
	err := fn(ctx)
	if ctx.Err() != nil {
		return
	}
	a.jobStats.record(name, err, a.opts.Now())
	if err != nil {
		a.log.Error("job failed; state and queued records are kept, next run retries", "job", name, "err", a.explain(err))
	}
}

// Close closes sinks and the state file, and the GitHub client's idle
// connections.
func (a *App) Close() error {
	if a.gh != nil {
		a.gh.CloseIdleConnections()
	}
	var errs []error
	for _, s := range a.sinks {
		if err := s.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if a.db != nil {
		if err := a.db.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
