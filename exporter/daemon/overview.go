package daemon

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// The security overview's series. Their labels are bounded: source (three
// alert products), severity (critical, high, medium, low, none), org (the
// orgs that own tracked alerts) and action (the diff's actions); a repo is
// never a label. Every value is read from the counts the state file keeps
// with the snapshots, so a restart or a reload changes nothing and a
// scrape walks no snapshot.
var (
	descOpenAlerts  = prometheus.NewDesc("ghsec_alerts_open", "Open alerts tracked, by source, severity and org.", []string{"source", "severity", "org"}, nil)
	descLiveSecrets = prometheus.NewDesc("ghsec_secret_alerts_open_active", "Open secret scanning alerts whose secret GitHub reports valid (validity active), by org.", []string{"org"}, nil)
	descOldestOpen  = prometheus.NewDesc("ghsec_alerts_oldest_open_created_timestamp_seconds", "When the oldest open alert of the org and severity (critical or high) was created.", []string{"org", "severity"}, nil)
	descTransitions = prometheus.NewDesc("ghsec_alert_transitions_total", "Alert records emitted (transitions, withdrawals), by source and action, since the state file began counting.", []string{"source", "action"}, nil)
	descReqStatus   = prometheus.NewDesc("ghsec_requests", "Dismissal and bypass requests tracked, by kind, target and current status.", []string{"kind", "target", "status"}, nil)
	descRequestRecs = prometheus.NewDesc("ghsec_request_transitions_total", "Request records emitted (created, approved, denied, …), by source and action, since the state file began counting.", []string{"source", "action"}, nil)
)

// overviewCollector reports the security overview (state.Overview).
type overviewCollector struct{ a *App }

func (overviewCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOpenAlerts, descLiveSecrets, descOldestOpen, descTransitions, descRequestRecs, descReqStatus} {
		ch <- d
	}
}

func (c overviewCollector) Collect(ch chan<- prometheus.Metric) {
	var o state.Overview
	err := c.a.db.View(func(tx *state.Tx) error {
		var err error
		o, err = tx.Overview()
		return err
	})
	if err != nil {
		// a failed scrape, not a false 0
		ch <- prometheus.NewInvalidMetric(descOpenAlerts, err)
		return
	}
	for _, x := range o.Open {
		ch <- prometheus.MustNewConstMetric(descOpenAlerts, prometheus.GaugeValue, float64(x.Count), string(x.Source), x.Severity, x.Org)
	}
	for _, x := range o.Requests {
		ch <- prometheus.MustNewConstMetric(descReqStatus, prometheus.GaugeValue, float64(x.Count), x.Kind, x.Target, x.Status)
	}
	for _, x := range o.LiveSecrets {
		ch <- prometheus.MustNewConstMetric(descLiveSecrets, prometheus.GaugeValue, float64(x.Count), x.Org)
	}
	for _, x := range o.Oldest {
		ch <- prometheus.MustNewConstMetric(descOldestOpen, prometheus.GaugeValue, float64(x.CreatedAt.Unix()), x.Org, x.Severity)
	}
	for _, x := range o.Records {
		desc := descTransitions
		switch x.Category {
		case exporter.CategoryAlert:
		case "request":
			desc = descRequestRecs
		default:
			continue
		}
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(x.Count), string(x.Source), x.Action)
	}
}
