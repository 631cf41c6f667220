package daemon

import (
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/webhook"
)

// resume carries the counters and /healthz history of prev, the App this
// one replaces after a config reload, over to a. Prometheus reads a counter
// that goes down as a process restart, and an operator reading /healthz
// after `systemctl reload` must still see the jobs' runs and a sink's run
// of failures. What the new config no longer has is dropped instead, so
// its series disappear: a removed sink (a's collector lists only its own
// sinks), the webhook section, the redelivery job. A sink or webhook added
// back later starts again from zero.
func (a *App) resume(prev *App) {
	if prev == nil {
		return
	}
	for _, d := range a.deliverers {
		for _, pd := range prev.deliverers {
			if pd.Name == d.Name {
				d.Retry.Resume(pd.Retry)
			}
		}
	}
	a.ghBase = prev.ghStats()
	a.undecodableBase = prev.undecodable()
	if a.webhook.handler != nil && prev.webhook.handler != nil {
		a.webhook.base = prev.webhook.stats()
	}
	redelivery := a.cfg.Webhook != nil && a.cfg.Webhook.Redelivery != nil
	a.jobStats.jobs = map[string]*jobStatus{}
	for name, s := range prev.jobStats.snapshot() {
		if name == "webhook_redelivery" && !redelivery {
			continue
		}
		a.jobStats.jobs[name] = &s
	}
	prev.trim.mu.Lock()
	a.trim.st, a.trim.failing, a.trim.nextAfter = prev.trim.st, prev.trim.failing, prev.trim.nextAfter
	prev.trim.mu.Unlock()
}

// ghStats are the GitHub request counters of this process: those of the
// Apps this one replaced and this App's client.
func (a *App) ghStats() ghapi.Stats { return a.ghBase.Plus(a.gh.Limiter().Stats()) }

// undecodable is ghsec_github_undecodable_items_total across reloads.
func (a *App) undecodable() int64 { return a.undecodableBase + a.gh.Undecodable() }

// stats are the webhook delivery counters across reloads.
func (ws *webhookState) stats() webhook.Stats { return ws.base.Plus(ws.handler.Stats()) }
