package ingest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// AuditLister is the part of the GitHub client the audit job uses.
type AuditLister interface {
	ListAudit(ctx context.Context, ar ghapi.AuditRequest, fn ghapi.AuditPageFunc) (int, error)
}

// Auditor polls audit logs. Each poll re-reads from the newest event time it
// has seen minus Lag (GitHub indexes events late, with their original
// timestamps, so a poller that only moves forward misses them) and skips
// document ids it already shipped, kept in a pruned set in the state file.
type Auditor struct {
	DB    *state.DB
	GH    AuditLister
	Sinks []string
	Now   func() time.Time
	// Lag is the re-read window for late-indexed events.
	Lag time.Duration
	// Backfill is how far back the first poll of a scope reads.
	Backfill time.Duration
	Include  string
	Phrase   string
	Notify   func()
}

type auditCursor struct {
	// Last is the newest @timestamp shipped.
	Last time.Time `json:"last"`
	// Polled is when the last complete poll started (exporter clock).
	Polled time.Time `json:"polled"`
}

// clockMargin allows for the exporter's clock running ahead of GitHub's.
const clockMargin = time.Minute

// since is where the next poll starts reading: everything stamped before
// the previous poll's start minus the lag was visible to it already. With
// sparse events this keeps the window small instead of re-reading from an
// old last event.
func (c auditCursor) since(lag time.Duration) time.Time {
	anchor := c.Last
	if p := c.Polled.Add(-clockMargin); p.After(anchor) {
		anchor = p
	}
	return anchor.Add(-lag)
}

func auditCursorName(s ghapi.Scope) string { return "audit/" + s.String() }

// AuditStats describe one audit poll.
type AuditStats struct {
	Requests int
	Entries  int
	Shipped  int
	Skipped  int
	Pruned   int
}

// Poll reads one scope's audit log and ships unseen entries as audit records.
// Audit entries about alerts become audit records linked to the alerts they
// name (auditRecords); alert transitions come from the alert diff alone, so
// nothing is shipped twice — except GitHub's own withdrawal of an alert,
// which withdraws it at once (withdrawByAudit), as a reconcile would later.
func (a *Auditor) Poll(ctx context.Context, scope ghapi.Scope) (AuditStats, error) {
	var st AuditStats
	name := auditCursorName(scope)
	cur, found, err := readCursor[auditCursor](a.DB, name)
	if err != nil {
		return st, err
	}
	origin := exporter.OriginPoll
	start := a.Now()
	since := cur.since(a.Lag)
	if !found {
		origin = exporter.OriginBackfill
		since = a.Now().Add(-max(a.Backfill, a.Lag))
	}
	ent := ""
	if scope.Kind == ghapi.ScopeEnterprise {
		ent = scope.Name
	}
	n, err := a.GH.ListAudit(ctx, ghapi.AuditRequest{Scope: scope, Since: since, Include: a.Include, Phrase: a.Phrase}, func(page []ghapi.AuditEntry) error {
		st.Entries += len(page)
		now := a.Now().UTC()
		shipped := 0
		err := a.DB.Update(func(tx *state.Tx) error {
			shipped = 0
			for _, e := range page {
				if tx.Seen(name, e.DocumentID) {
					st.Skipped++
					continue
				}
				recs, err := withdrawByAudit(tx, e, ent, origin, now)
				if err != nil {
					return err
				}
				audits := auditRecords(e, ent, origin, now)
				for i := range audits {
					linkRequest(&audits[i], e)
				}
				if err := tx.AppendAll(a.Sinks, append(audits, recs...)); err != nil {
					return err
				}
				if err := tx.MarkSeen(name, e.DocumentID, e.At.UnixMilli()); err != nil {
					return err
				}
				if e.At.After(cur.Last) {
					cur.Last = e.At
				}
				shipped++
			}
			return writeCursor(tx, name, cur)
		})
		if err != nil {
			return fmt.Errorf("commit audit page: %w", err)
		}
		st.Shipped += shipped
		if shipped > 0 && a.Notify != nil {
			a.Notify()
		}
		return nil
	})
	st.Requests = n
	if err != nil {
		return st, err
	}
	// Ids older than the next poll's window can never come back: forget
	// them, with an hour's margin.
	cur.Polled = start
	cutoff := cur.since(a.Lag).Add(-time.Hour).UnixMilli()
	err = a.DB.Update(func(tx *state.Tx) error {
		var err error
		if st.Pruned, err = tx.PruneSeen(name, cutoff); err != nil {
			return err
		}
		return writeCursor(tx, name, cur)
	})
	return st, err
}

// auditRecords are the records of one entry: one, or one per alert it
// names, each carrying the alert's key (alert_source, repo, alert.number)
// so that a search joins it to the alert's transitions. An entry naming
// several alerts gives each record its own id, of the document id and the
// alert number; one naming one keeps the id of its document id alone.
func auditRecords(e ghapi.AuditEntry, enterprise string, origin exporter.Origin, now time.Time) []exporter.Record {
	if enterprise == "" {
		enterprise = e.Business
	}
	rec := exporter.Record{
		Schema: exporter.SchemaVersion, ID: exporter.AuditRecordID(e.DocumentID),
		Time: e.At.UTC(), ObservedAt: now, Category: exporter.CategoryAudit, Source: exporter.SourceAuditLog,
		Action: e.Action, Origin: origin, Enterprise: enterprise, Org: e.Org, Repo: e.Repo, Actor: e.Actor,
		Audit: &exporter.AuditInfo{Action: e.Action, DocumentID: e.DocumentID, Entry: e.Raw},
	}
	if len(e.Alerts) == 0 {
		return []exporter.Record{rec}
	}
	out := make([]exporter.Record, len(e.Alerts))
	for i, al := range e.Alerts {
		r := rec
		r.AlertSource, r.Repo = al.Key.Source, al.Key.Repo
		r.Alert = &exporter.AlertInfo{Number: al.Key.Number}
		r.Audit = &exporter.AuditInfo{Action: e.Action, DocumentID: e.DocumentID, Entry: al.Entry}
		if len(e.Alerts) > 1 {
			r.ID = exporter.AuditAlertRecordID(e.DocumentID, al.Key.Number)
		}
		out[i] = r
	}
	return out
}

// withdrawByAudit withdraws, inside tx, the tracked alerts an entry by
// which GitHub withdrew or deleted them names, exactly as a reconcile
// does: the snapshot is deleted and a withdrawn record (of the event's
// time and actor) appended, so it happens once whichever comes first. An
// alert untracked or already withdrawn is skipped, and so is one whose
// snapshot GitHub updated after the event (it still exists: the snapshot
// orders observations as the diff does). enterprise is the polled
// enterprise, as on the alert's other records.
func withdrawByAudit(tx *state.Tx, e ghapi.AuditEntry, enterprise string, origin exporter.Origin, now time.Time) ([]exporter.Record, error) {
	if !e.Withdraws {
		return nil, nil
	}
	var recs []exporter.Record
	for _, al := range e.Alerts {
		prev, ok, err := tx.Snapshot(al.Key)
		if err != nil {
			return nil, err
		}
		if !ok || prev.UpdatedAt.After(e.At) && !prev.UpdatedAt.After(now.Add(MaxClockSkew)) {
			continue
		}
		if err := tx.DeleteSnapshotOver(al.Key, prev); err != nil {
			return nil, fmt.Errorf("forget %s %s#%d: %w", al.Key.Source, al.Key.Repo, al.Key.Number, err)
		}
		org, _, _ := strings.Cut(al.Key.Repo, "/")
		recs = append(recs, exporter.WithdrawAt(al.Key, prev, org, enterprise, origin, e.At, e.Actor, now))
	}
	return recs, nil
}
