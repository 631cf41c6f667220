package email

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

var itoa = strconv.Itoa

// aggregator folds a period's entries into a Digest in one pass, in memory
// that does not grow with the number of entries: counters, lists kept at
// list_limit as they stream by, and a bounded median. Duplicates never
// reach it: Send drops a record whose id an open period holds.
type aggregator struct {
	limit int
	loc   *time.Location

	d          Digest
	counts     map[countKey]*CountRow
	newCH      *topList
	bypasses   *topList
	dismissals *topList
	requests   *topList
	timesToFix fixTimes
	// audit grows with the distinct audit actions and their actors, not
	// with the entries.
	audit map[string]*auditAcc
}

type countKey struct {
	action string
	source exporter.Source
}

type auditAcc struct {
	count  int
	actors map[string]int
}

func newAggregator(limit int, loc *time.Location) *aggregator {
	return &aggregator{
		limit: limit, loc: loc,
		counts: map[countKey]*CountRow{}, audit: map[string]*auditAcc{},
		newCH: newTopList(limit, bySeverityThenTime), bypasses: newTopList(limit, byTime), dismissals: newTopList(limit, byTime),
		requests:   newTopList(limit, selfReviewedFirst),
		timesToFix: fixTimes{keep: keepFixTimes},
	}
}

// timeToFix is a fixed entry's fix time minus the alert's creation.
func timeToFix(e *entry) (time.Duration, bool) {
	if e.Audit || e.Action != exporter.ActionFixed || e.Created.IsZero() || !e.Time.After(e.Created) {
		return 0, false
	}
	return e.Time.Sub(e.Created), true
}

// add folds one entry in.
func (a *aggregator) add(e *entry) error {
	a.d.New++
	if e.Audit {
		a.d.AuditEvents++
		acc := a.audit[e.Action]
		if acc == nil {
			acc = &auditAcc{actors: map[string]int{}}
			a.audit[e.Action] = acc
		}
		acc.count++
		if e.Actor != "" {
			acc.actors[e.Actor]++
		}
		return nil
	}
	if e.Request {
		a.addRequest(e)
		return nil
	}
	k := countKey{e.Action, e.Source}
	row := a.counts[k]
	if row == nil {
		row = &CountRow{Action: e.Action, Source: e.Source}
		a.counts[k] = row
	}
	row.add(e.Severity)
	switch e.Action {
	case exporter.ActionCreated:
		a.d.NewAlerts++
		if e.Severity == exporter.SeverityCritical || e.Severity == exporter.SeverityHigh {
			a.newCH.add(lineOf(e, a.loc))
		}
	case exporter.ActionPushProtectionBypassed:
		a.bypasses.add(lineOf(e, a.loc))
	case exporter.ActionFixed:
		a.d.Fixed++
		if d, ok := timeToFix(e); ok {
			a.timesToFix.add(d)
		}
	case exporter.ActionDismissed, exporter.ActionResolved:
		a.dismissals.add(lineOf(e, a.loc))
	}
	return nil
}

// digest finishes the summary; walk reads the period's times to fix again
// if there were too many to keep. The caller fills period, names and
// overview.
func (a *aggregator) digest(walk walkFn) (Digest, error) {
	d := a.d
	for _, r := range a.counts {
		d.Counts = append(d.Counts, *r)
	}
	slices.SortFunc(d.Counts, func(x, y CountRow) int {
		return cmp.Or(cmp.Compare(rank(actionOrder, x.Action), rank(actionOrder, y.Action)), cmp.Compare(x.Action, y.Action),
			cmp.Compare(rank(exporter.AlertSources, x.Source), rank(exporter.AlertSources, y.Source)), cmp.Compare(x.Source, y.Source))
	})
	d.NewCriticalHigh = a.newCH.list()
	d.Bypasses = a.bypasses.list()
	d.Dismissals = a.dismissals.list()
	d.Requests = a.requests.list()
	m, ok, err := a.timesToFix.median(walk)
	if err != nil {
		return d, fmt.Errorf("median time to fix: %w", err)
	}
	if ok {
		d.MedianTimeToFix = formatDuration(m)
	}
	for action, acc := range a.audit {
		d.Audit = append(d.Audit, AuditGroup{Action: action, Count: acc.count, Actors: topActors(acc.actors, 3)})
	}
	slices.SortFunc(d.Audit, func(x, y AuditGroup) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.Action, y.Action))
	})
	if n := min(a.limit, 10); len(d.Audit) > n {
		d.AuditMore = len(d.Audit) - n
		d.Audit = d.Audit[:n:n]
	}
	return d, nil
}

func topActors(m map[string]int, n int) []string {
	type ac struct {
		login string
		n     int
	}
	all := make([]ac, 0, len(m))
	for l, c := range m {
		all = append(all, ac{l, c})
	}
	slices.SortFunc(all, func(x, y ac) int { return cmp.Or(cmp.Compare(y.n, x.n), cmp.Compare(x.login, y.login)) })
	out := make([]string, 0, min(n, len(all)))
	for _, a := range all[:min(n, len(all))] {
		out = append(out, fmt.Sprintf("%s (%d)", a.login, a.n))
	}
	return out
}

// buildDigest summarizes the span's entries and the current open alerts.
func (s *Sink) buildDigest(sp span) (*Digest, error) {
	a := newAggregator(s.cfg.ListLimit, s.loc)
	a.timesToFix.keep = s.fixKeep
	corrupt, err := s.store.forEachEntry(sp.UpTo, a.add)
	if err != nil {
		return nil, fmt.Errorf("read digest entries: %w", err)
	}
	if corrupt > 0 {
		s.log.Error("digest entries skipped", "records", corrupt, "err", errCorrupt)
	}
	d, err := a.digest(func(fn func(time.Duration)) error {
		return s.store.forEachValue(sp.UpTo, func(v []byte) error {
			if d, ok := encodedTimeToFix(v); ok {
				fn(d)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read digest entries: %w", err)
	}
	d.Sink, d.Version = s.name, s.version
	d.PeriodStart, d.PeriodEnd = Stamp{sp.Start.In(s.loc)}, Stamp{sp.End.In(s.loc)}
	open, err := buildOverview(s.db, 10)
	if err != nil {
		return nil, fmt.Errorf("read open alerts: %w", err)
	}
	d.Open = open
	return &d, nil
}
