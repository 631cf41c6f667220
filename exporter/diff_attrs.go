package exporter

import "slices"

// attributes emits the transitions of an alert's attributes that GitHub
// changes without changing its state: a secret's validity, its public leak,
// and the assignees. Snapshots written before these were tracked say
// nothing about them, so nothing is emitted against such a snapshot (the
// new snapshot starts tracking them).
func (d *differ) attributes(prev *Snapshot) {
	if prev.Tracks < SnapshotTracks {
		return
	}
	cur := d.cur
	if cur.Validity != "" && prev.Validity != "" && cur.Validity != prev.Validity {
		from := prev.Validity
		d.emitInfo(ActionValidityChanged, cur.UpdatedAt, "", prev.State, func(a *AlertInfo) { a.PreviousValidity = from })
	}
	if cur.PubliclyLeaked && !prev.PubliclyLeaked {
		d.emit(ActionPubliclyLeaked, cur.UpdatedAt, "", prev.State)
	}
	for _, login := range cur.Assignees {
		if !slices.Contains(prev.Assignees, login) {
			d.emitInfo(ActionAssigned, cur.UpdatedAt, "", prev.State, func(a *AlertInfo) { a.Assignee = login })
		}
	}
	for _, login := range prev.Assignees {
		if !slices.Contains(cur.Assignees, login) {
			d.emitInfo(ActionUnassigned, cur.UpdatedAt, "", prev.State, func(a *AlertInfo) { a.Assignee = login })
		}
	}
}
