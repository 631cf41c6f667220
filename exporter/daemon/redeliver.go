package daemon

import (
	"context"
	"fmt"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/webhook"
)

// RedeliveryHooks are the hooks whose deliveries the redelivery job lists:
// the configured org and repository hooks, then the App's own hook.
func RedeliveryHooks(r *config.Redelivery) []ghapi.HookRef {
	var hooks []ghapi.HookRef
	for _, h := range r.Hooks {
		hooks = append(hooks, ghapi.HookRef{Org: h.Org, Repo: h.Repo, ID: h.ID})
	}
	if r.App {
		hooks = append(hooks, ghapi.HookRef{App: true})
	}
	return hooks
}

// redeliverer builds the redelivery job from the config; nil when the
// webhook section has no redelivery.
func (a *App) redeliverer() *webhook.Redeliverer {
	w := a.cfg.Webhook
	if w == nil || w.Redelivery == nil {
		return nil
	}
	r := w.Redelivery
	return &webhook.Redeliverer{
		API: a.gh, Hooks: RedeliveryHooks(r), Window: r.Window.D(), Seen: a.poller.DeliverySeen, Now: a.opts.Now,
		Log: a.log.With("component", "webhook_redelivery"),
	}
}

// PruneDeliveries forgets webhook delivery GUIDs older than
// ingest.DeliveryRetention, longer than any redelivery window: its own job
// whenever a webhook receiver runs, with or without a redelivery job.
func (a *App) PruneDeliveries(context.Context) error {
	n, err := a.poller.PruneDeliveries()
	if err != nil {
		return fmt.Errorf("prune webhook delivery GUIDs: %w", err)
	}
	a.log.Info("webhook delivery GUIDs pruned", "pruned", n)
	return nil
}

// Redeliver runs the redelivery job once: it asks GitHub to redeliver the
// configured hooks' failed deliveries that the state has not processed.
func (a *App) Redeliver(ctx context.Context) error {
	r := a.redeliverer()
	if r == nil {
		return nil
	}
	st, err := r.Run(ctx)
	a.log.Info("webhook redelivery", "listed", st.Listed, "redelivered", st.Redelivered, "gave_up", st.GaveUp)
	if err != nil {
		return fmt.Errorf("webhook redelivery: %w", err)
	}
	return nil
}
