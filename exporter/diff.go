package exporter

import "time"

// Diff compares an alert's stored snapshot (nil when the alert was never
// seen) with what GitHub reports now and returns the transition records, in
// the order they happened; the snapshot to store is cur.Snapshot(). It is pure: the same
// inputs give the same records with the same ids.
//
// The rules are the transition table of docs/record.md. Where the timestamps prove a
// transition happened between two polls (a dismissed alert whose
// dismissed_at moved on was reopened and dismissed again), both transitions
// are emitted.
func Diff(prev *Snapshot, cur *Observation, origin Origin, observedAt time.Time) []Record {
	d := differ{cur: cur, origin: origin, observed: observedAt.UTC()}
	src := cur.Key.Source
	if prev == nil {
		// sized up front: a backfill makes one such slice per alert
		d.out = make([]Record, 0, 1+b2i(!cur.Open())+b2i(cur.Bypassed)+b2i(cur.PubliclyLeaked))
		d.emit(ActionCreated, cur.CreatedAt, "", "")
		switch {
		case cur.Open():
		case KnownState(src, cur.State):
			d.emit(closeAction(cur.State), closedTime(cur), cur.ClosedBy, "open")
		default:
			d.emit(ActionStateChanged, cur.UpdatedAt, "", "open")
		}
		if cur.Bypassed {
			d.emit(ActionPushProtectionBypassed, orTime(cur.BypassedAt, cur.CreatedAt), cur.BypassedBy, "")
		}
		if cur.PubliclyLeaked {
			d.emit(ActionPubliclyLeaked, cur.UpdatedAt, "", "")
		}
		return d.out
	}
	prevOpen := prev.State == "open"
	switch {
	case prev.State != cur.State && (!KnownState(src, prev.State) || !KnownState(src, cur.State)):
		// No rule says what moving to or from this state means; a closing
		// state still gives its own time and closer.
		at, by := cur.UpdatedAt, ""
		if KnownState(src, cur.State) && !cur.Open() {
			at, by = closedTime(cur), cur.ClosedBy
		}
		d.emit(ActionStateChanged, at, by, prev.State)
	case prevOpen && !cur.Open():
		d.emit(closeAction(cur.State), closedTime(cur), cur.ClosedBy, prev.State)
	case !prevOpen && cur.Open():
		d.emit(reopenAction(prev.State), cur.UpdatedAt, "", prev.State)
	case !prevOpen && !cur.Open() && prev.State != cur.State:
		// closed one way, now closed another (dismissed → fixed): it was
		// reopened in between, which GitHub does not keep.
		d.emit(reopenAction(prev.State), closedTime(cur), "", prev.State)
		d.emit(closeAction(cur.State), closedTime(cur), cur.ClosedBy, "open")
	case !prevOpen && !cur.Open() && !prev.ClosedAt.IsZero() && cur.ClosedAt.After(prev.ClosedAt):
		// same closed state, later closing time: reopened and closed again.
		d.emit(reopenAction(prev.State), cur.ClosedAt, "", prev.State)
		d.emit(closeAction(cur.State), cur.ClosedAt, cur.ClosedBy, "open")
	case prev.State == cur.State && prev.Severity != cur.Severity:
		d.emit(ActionSeverityChanged, cur.UpdatedAt, "", prev.State)
	}
	if cur.Bypassed && !prev.Bypassed {
		d.emit(ActionPushProtectionBypassed, orTime(cur.BypassedAt, cur.UpdatedAt), cur.BypassedBy, prev.State)
	}
	d.attributes(prev)
	return d.out
}

// Withdraw is the record for a tracked alert that GitHub no longer returns
// (absent from a full listing, or 404/410). The snapshot should be deleted in
// the same transaction, so it is emitted once.
func Withdraw(key AlertKey, prev Snapshot, org, enterprise string, origin Origin, observedAt time.Time) Record {
	return WithdrawAt(key, prev, org, enterprise, origin, observedAt, "", observedAt)
}

// WithdrawAt is Withdraw for a withdrawal GitHub recorded (an audit-log
// event): the record has the event's time and actor, and its id is of that
// time, so the same event always gives the same record.
func WithdrawAt(key AlertKey, prev Snapshot, org, enterprise string, origin Origin, at time.Time, actor string, observedAt time.Time) Record {
	at = at.UTC()
	return Record{
		Schema: SchemaVersion, ID: AlertRecordID(key.Source, key.Repo, key.Number, ActionWithdrawn, at),
		Time: at, ObservedAt: observedAt.UTC(), Category: CategoryAlert, Source: key.Source, Action: ActionWithdrawn,
		Origin: origin, Enterprise: enterprise, Org: org, Repo: key.Repo, Actor: actor,
		Alert: &AlertInfo{Number: key.Number, State: "withdrawn", PreviousState: prev.State,
			Severity: prev.Severity, SeverityRaw: prev.SeverityRaw, Title: prev.Title, HTMLURL: prev.HTMLURL,
			PushProtectionBypassed: prev.Bypassed},
	}
}

type differ struct {
	cur      *Observation
	origin   Origin
	observed time.Time
	out      []Record
}

func (d *differ) emit(action string, at time.Time, actor, prevState string) {
	d.emitInfo(action, at, actor, prevState, nil)
}

// emitInfo is emit with a hook to fill the action's own alert fields.
func (d *differ) emitInfo(action string, at time.Time, actor, prevState string, fill func(*AlertInfo)) {
	c := d.cur
	if actor == "" && action != ActionCreated {
		actor = c.Sender
	}
	at = orTime(at, c.UpdatedAt).UTC()
	// the info and its two times in one allocation
	box := &struct {
		info             AlertInfo
		created, updated time.Time
		cvss3, cvss4     CVSS
	}{}
	box.info = AlertInfo{
		Number: c.Key.Number, State: c.State, PreviousState: prevState,
		Severity: c.Severity, SeverityRaw: c.SeverityRaw, Title: c.Title,
		RuleID: c.RuleID, GHSAID: c.GHSAID, CVEID: c.CVEID, SecretType: c.SecretType,
		Package: c.Package, Ecosystem: c.Ecosystem, Manifest: c.Manifest, Tool: c.Tool,
		Validity: c.Validity, HTMLURL: c.HTMLURL,
		PushProtectionBypassed: c.Bypassed, PushProtectionBypassedBy: c.BypassedBy,
		CreatedAt: boxTime(&box.created, c.CreatedAt), UpdatedAt: boxTime(&box.updated, c.UpdatedAt),
		AlertDetails: c.Details,
	}
	info := &box.info
	if !c.CVSSv3.IsZero() {
		box.cvss3 = c.CVSSv3
		info.CVSSv3 = &box.cvss3
	}
	if !c.CVSSv4.IsZero() {
		box.cvss4 = c.CVSSv4
		info.CVSSv4 = &box.cvss4
	}
	if action != ActionCreated && action != ActionPushProtectionBypassed && !c.Open() {
		info.Reason, info.Comment = c.Reason, c.Comment
	}
	if fill != nil {
		fill(info)
	}
	idAction := action
	if info.Assignee != "" {
		// several assignees change at one updated_at: each is its own event
		idAction += "/" + info.Assignee
	}
	d.out = append(d.out, Record{
		Schema: SchemaVersion, ID: AlertRecordID(c.Key.Source, c.Key.Repo, c.Key.Number, idAction, at),
		Time: at, ObservedAt: d.observed, Category: CategoryAlert, Source: c.Key.Source,
		Action: action, Origin: d.origin, Enterprise: c.Enterprise, Org: c.Org, Repo: c.Key.Repo,
		Actor: actor, Alert: info, Raw: c.Raw,
	})
}

// closeAction is the action of closing into state, one of the known
// closed states (Diff checks with KnownState first).
func closeAction(state string) string {
	switch state {
	case "dismissed":
		return ActionDismissed
	case "fixed":
		return ActionFixed
	case "auto_dismissed":
		return ActionAutoDismissed
	case "resolved":
		return ActionResolved
	}
	return ActionStateChanged
}

func reopenAction(prevState string) string {
	switch prevState {
	case "auto_dismissed":
		return ActionAutoReopened
	case "fixed":
		return ActionReintroduced
	}
	return ActionReopened
}

func closedTime(o *Observation) time.Time { return orTime(o.ClosedAt, o.UpdatedAt) }

func orTime(t, fallback time.Time) time.Time {
	if t.IsZero() {
		return fallback
	}
	return t
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// boxTime stores t in UTC at p and returns p, or nil for the zero time.
func boxTime(p *time.Time, t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	*p = t.UTC()
	return p
}
