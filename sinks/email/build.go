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

// aggregator folds a period's entries into a Digest in one pass.
type aggregator struct {
	limit int
	loc   *time.Location
	seen  map[string]struct{}

	d          Digest
	counts     map[countKey]*CountRow
	newCH      []AlertLine
	bypasses   []AlertLine
	dismissals []AlertLine
	timesToFix []time.Duration
	audit      map[string]*auditAcc
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
		limit: limit, loc: loc, seen: map[string]struct{}{},
		counts: map[countKey]*CountRow{}, audit: map[string]*auditAcc{},
	}
}

// add folds one entry in. A record delivered twice (the delivery loop is
// at-least-once) has the same id and counts once.
func (a *aggregator) add(e *entry) error {
	if e.ID != "" {
		if _, dup := a.seen[e.ID]; dup {
			return nil
		}
		a.seen[e.ID] = struct{}{}
	}
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
			a.newCH = append(a.newCH, lineOf(e, a.loc))
		}
	case exporter.ActionPushProtectionBypassed:
		a.bypasses = append(a.bypasses, lineOf(e, a.loc))
	case exporter.ActionFixed:
		a.d.Fixed++
		if !e.Created.IsZero() && e.Time.After(e.Created) {
			a.timesToFix = append(a.timesToFix, e.Time.Sub(e.Created))
		}
	case exporter.ActionDismissed, exporter.ActionResolved:
		a.dismissals = append(a.dismissals, lineOf(e, a.loc))
	}
	return nil
}

// digest finishes the summary; the caller fills period, names and overview.
func (a *aggregator) digest() Digest {
	d := a.d
	for _, r := range a.counts {
		d.Counts = append(d.Counts, *r)
	}
	slices.SortFunc(d.Counts, func(x, y CountRow) int {
		return cmp.Or(cmp.Compare(rank(actionOrder, x.Action), rank(actionOrder, y.Action)), cmp.Compare(x.Action, y.Action),
			cmp.Compare(rank(exporter.AlertSources, x.Source), rank(exporter.AlertSources, y.Source)), cmp.Compare(x.Source, y.Source))
	})
	d.NewCriticalHigh = capList(a.newCH, a.limit, bySeverityThenTime)
	d.Bypasses = capList(a.bypasses, a.limit, byTime)
	d.Dismissals = capList(a.dismissals, a.limit, byTime)
	if len(a.timesToFix) > 0 {
		d.MedianTimeToFix = formatDuration(median(a.timesToFix))
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
	return d
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
	corrupt, err := s.store.forEachEntry(sp.UpTo, a.add)
	if err != nil {
		return nil, fmt.Errorf("read digest entries: %w", err)
	}
	if corrupt > 0 {
		s.log.Error("digest entries skipped", "records", corrupt, "err", errCorrupt)
	}
	d := a.digest()
	d.Sink, d.Version = s.name, s.version
	d.PeriodStart, d.PeriodEnd = Stamp{sp.Start.In(s.loc)}, Stamp{sp.End.In(s.loc)}
	open, err := buildOverview(s.db, 10)
	if err != nil {
		return nil, fmt.Errorf("read open alerts: %w", err)
	}
	d.Open = open
	return &d, nil
}
