package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/robfig/cron/v3"
)

// ErrReload is the cause to cancel Run's context with (context.WithCancelCause)
// when the daemon stops only to start again on a new config: Run then says
// it is reloading, not stopping.
var ErrReload = errors.New("config reload")

// Run schedules the jobs and delivers until ctx ends. On cancellation it
// stops scheduling, lets the jobs and the transaction in flight finish, and
// returns nil. It fails before starting anything when the metrics endpoint
// cannot listen (the daemon does not run unobserved) and when the GitHub
// product does not serve github.api_version (CheckStart). Whatever it returns,
// everything it started has stopped: on an error it cancels what it
// started and waits for it, so nothing is left writing the state file the
// caller closes next.
func (a *App) Run(ctx context.Context) error {
	if err := a.CheckStart(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	if addr := a.cfg.Metrics.Listen; addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("start metrics endpoint (metrics.listen %s): %w", addr, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.serveMetrics(ctx, ln); err != nil {
				a.log.Error("metrics endpoint stopped", "listen", addr, "err", err)
			}
		}()
	}
	for _, d := range a.deliverers {
		wg.Add(1)
		go func() { defer wg.Done(); _ = d.Run(ctx) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); a.runTrims(ctx) }()
	for _, s := range a.sinks {
		if r, ok := s.(exporter.Runner); ok {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := r.Run(ctx); err != nil && ctx.Err() == nil {
					a.log.Error("sink runner stopped", "err", err)
				}
			}()
		}
	}
	if a.webhook.handler != nil {
		wg.Add(1)
		go func() { defer wg.Done(); a.serveWebhook(ctx) }()
	}
	c := cron.New(cron.WithParser(config.CronParser))
	jobs := a.scheduled()
	for _, j := range jobs {
		if _, err := c.AddFunc(j.spec, func() { a.runJob(ctx, j.name, j.fn) }); err != nil {
			// validated already; defensive
			return fmt.Errorf("schedule job %s (%q): %w", j.name, j.spec, err)
		}
	}
	c.Start()
	a.log.Info("ghsec-exporter running", "targets", len(a.AlertTargets()), "sinks", len(a.sinks))
	// first poll right away rather than after one interval
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.runJob(ctx, "alerts", jobs[0].fn)
		a.runJob(ctx, "audit_log", jobs[1].fn)
		a.runJob(ctx, "requests", jobs[2].fn)
	}()
	<-ctx.Done()
	if errors.Is(context.Cause(ctx), ErrReload) {
		a.log.Info("reloading: finishing jobs in flight")
	} else {
		a.log.Info("stopping: finishing jobs in flight")
	}
	<-c.Stop().Done()
	wg.Wait()
	return nil
}

// job is one scheduled job: its name (the job label of the metrics), its
// cron spec and what it runs.
type job struct {
	name, spec string
	fn         func(context.Context) error
}

// pruneSchedule is how often the webhook delivery GUID set is pruned when
// a webhook receiver runs: the set gains ~200 bytes a delivery, and GUIDs
// older than ingest.DeliveryRetention can no longer be redelivered.
const pruneSchedule = "@hourly"

// scheduled lists the jobs Run schedules; alerts, audit_log and requests
// come first, as Run also starts them at once.
func (a *App) scheduled() []job {
	jobs := []job{
		{"alerts", a.cfg.Schedules.Alerts, a.PollAlerts},
		{"audit_log", a.cfg.Schedules.AuditLog, a.PollAudit},
		{"requests", a.cfg.Schedules.Requests, a.PollRequests},
		{"reconcile", a.cfg.Schedules.Reconcile, a.Reconcile},
	}
	if w := a.cfg.Webhook; w != nil {
		// pruned on its own schedule: without a redelivery job the set
		// would otherwise grow forever
		jobs = append(jobs, job{"webhook_prune", pruneSchedule, a.PruneDeliveries})
		if w.Redelivery != nil {
			jobs = append(jobs, job{"webhook_redelivery", w.Redelivery.Schedule, a.Redeliver})
		}
	}
	return jobs
}
