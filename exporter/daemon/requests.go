package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ingest"
	"github.com/prometheus/client_golang/prometheus"
)

// RequestRecheck is how long a request list GitHub answered 404 for is
// left alone: the product or plan may gain the feature, as an org may gain
// an audit log.
const RequestRecheck = AuditRecheck

// newRequests builds the request job of cfg.
func (a *App) newRequests(names []string) {
	a.reqs = &ingest.Requests{DB: a.db, GH: a.gh, Sinks: names, Now: a.opts.Now,
		Period: config.RequestPeriod(a.cfg.GitHub.RequestWindow.D()), Notify: a.wakeAll}
}

// RequestLists lists the dismissal and bypass request lists polled: every
// configured org's, repository's and enterprise's. The lists exist on GHEC
// and GHES (3.17+) only: an explicit github.product: dotcom polls none;
// otherwise each list's own answer decides (see requestsAnswered).
func (a *App) RequestLists() []ghapi.RequestList {
	if a.gh.Product() == ghapi.ProductDotcom {
		return nil
	}
	var out []ghapi.RequestList
	for _, s := range a.scopes() {
		out = append(out, ghapi.RequestLists(s)...)
	}
	return out
}

// PollRequests polls every request list; a failing list does not stop the
// others.
func (a *App) PollRequests(ctx context.Context) error {
	if err := a.productReady(ctx); err != nil {
		return err
	}
	return eachTarget(ctx, a.RequestLists(), func(l ghapi.RequestList) error {
		if !a.requestsDue(l) {
			return nil
		}
		start := time.Now()
		st, err := a.reqs.Poll(ctx, l)
		if err = a.requestsAnswered(l, err); err != nil {
			return &targetError{l.Scope, l.Kind + " requests (" + l.Target + ")", fmt.Sprintf("poll requests %s", l), err}
		}
		if !a.requestsDue(l) {
			return nil // GitHub said it has none: warned once, re-checked later
		}
		a.log.Info("request poll", "list", l.String(), "requests", st.Requests, "not_modified", st.NotModified,
			"items", st.Items, "records", st.Records, "refused", st.Undecodable, "took", time.Since(start).Round(time.Millisecond))
		return nil
	})
}

// requestsDue reports whether l should be polled now: always, unless GitHub
// answered 404 for it less than RequestRecheck ago.
func (a *App) requestsDue(l ghapi.RequestList) bool {
	return a.noRequests.due(l.String(), a.opts.Now(), RequestRecheck)
}

// requestsAnswered records GitHub's answer for l. A 404 means the product
// or plan has no such list (github.com, GHES before 3.17, Dependabot's
// before 3.21, an org without the feature) or the credential cannot see
// the scope: one warning per scope, no job failure, re-checked after
// RequestRecheck. It returns err unless the answer was that 404.
func (a *App) requestsAnswered(l ghapi.RequestList, err error) error {
	key := l.String()
	if err == nil {
		if a.noRequests.answered(key) {
			a.log.Info("request list now available; polling it", "list", key)
		}
		return nil
	}
	if ghapi.StatusOf(err) != 404 {
		return err
	}
	a.noRequests.notFound(key, l, a.opts.Now())
	scope := l.Scope.String()
	a.warnOnce("requests 404 "+scope, "dismissal/bypass request lists answer 404 (not on GitHub Enterprise Cloud or GHES 3.17+, feature off, or not visible to the credential): skipped, re-checked daily",
		"scope", scope, "list", key, "recheck", RequestRecheck, "err", err)
	return nil
}

// RequestStatus is one request list without an answer, as /healthz shows it.
type RequestStatus struct {
	List      string    `json:"list"`
	Path      string    `json:"path"`
	NextCheck time.Time `json:"next_check"`
}

// RequestsUnavailable lists the request lists GitHub answered 404 for.
func (a *App) RequestsUnavailable() []RequestStatus {
	missing := a.noRequests.list()
	out := make([]RequestStatus, len(missing))
	for i, m := range missing {
		out[i] = RequestStatus{List: m.key, Path: m.item.Path(), NextCheck: m.checkedAt.Add(RequestRecheck)}
	}
	return out
}

var descRequestsAvail = prometheus.NewDesc("ghsec_github_request_list_available",
	"1 when the dismissal or bypass request list answers, 0 while GitHub answers 404 for it (re-checked daily).",
	[]string{"scope", "kind", "target"}, nil)

// requestsCollector exports request-list availability per list.
type requestsCollector struct{ a *App }

func (c requestsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descRequestsAvail }

func (c requestsCollector) Collect(ch chan<- prometheus.Metric) {
	for _, l := range c.a.RequestLists() {
		v := 1.0
		if c.a.noRequests.has(l.String()) {
			v = 0
		}
		ch <- prometheus.MustNewConstMetric(descRequestsAvail, prometheus.GaugeValue, v, l.Scope.String(), l.Kind, l.Target)
	}
}
