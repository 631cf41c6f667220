package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// The security overview (open alerts by source × severity × org, open
// secret alerts with a live secret by org, the oldest open critical and
// high alert by org, records by category × source × action) is kept
// beside the snapshots and changed in the same transaction as they are,
// so a metrics scrape reads a few hundred keys whatever the number of
// tracked alerts.
var (
	// bucketOverview holds the counts: ovOpen, ovLive and ovRecords keys,
	// each with a uint64.
	bucketOverview = []byte("overview")
	// bucketOldest indexes the open critical and high alerts by org,
	// severity and creation time (oldestKey), so the oldest of an org is
	// the first key under its prefix: one seek.
	bucketOldest = []byte("overview_oldest")
	// bucketCreated holds the creation time (unix seconds) of each alert
	// in bucketOldest, by snapshot key: the snapshot does not keep it, and
	// the index key cannot be found without it.
	bucketCreated = []byte("overview_created")
)

// Key prefixes in bucketOverview; the parts after them are NUL-separated
// (no source, severity, org, category or action holds a NUL).
const (
	ovOpen    = "a" // source, severity, org
	ovLive    = "l" // org
	ovRecords = "r" // category, source, action
	// ovRequests counts the tracked requests by kind, target and current
	// status: four targets, two kinds, a handful of statuses.
	ovRequests = "q" // kind, target, status
)

func overviewKey(kind string, parts ...string) string {
	return kind + "\x00" + strings.Join(parts, "\x00")
}

// ovAlert is what the overview counts of one alert snapshot.
type ovAlert struct {
	source, severity, org string
	open, live            bool
}

// alertSources are the sources the overview counts; any other (a key
// written by something else) is left out, which keeps the label set
// bounded.
var alertSources = map[exporter.Source]bool{
	exporter.SourceDependabot: true, exporter.SourceCodeScanning: true, exporter.SourceSecretScanning: true,
}

var severities = map[string]bool{
	exporter.SeverityCritical: true, exporter.SeverityHigh: true, exporter.SeverityMedium: true,
	exporter.SeverityLow: true, exporter.SeverityNone: true,
}

// ovOf is what the overview counts of s, stored under k; ok=false when it
// counts nothing of it.
func ovOf(k exporter.AlertKey, s *exporter.Snapshot) (a ovAlert, ok bool) {
	if s == nil || !alertSources[k.Source] {
		return a, false
	}
	org, _, _ := strings.Cut(k.Repo, "/")
	sev := s.Severity
	if !severities[sev] {
		sev = exporter.SeverityNone
	}
	a = ovAlert{source: string(k.Source), severity: sev, org: org, open: s.State == "open"}
	a.live = a.open && k.Source == exporter.SourceSecretScanning && s.Validity == "active"
	return a, true
}

// indexed reports whether a is in bucketOldest.
func (a ovAlert) indexed() bool {
	return a.open && (a.severity == exporter.SeverityCritical || a.severity == exporter.SeverityHigh)
}

// oldestPrefix is the prefix of an org's and severity's index keys.
func oldestPrefix(org, severity string) []byte {
	return []byte(org + "\x00" + severity + "\x00")
}

// oldestKey orders an org's open alerts of one severity by creation time
// (unix seconds), then by snapshot key.
func oldestKey(a ovAlert, created uint64, k exporter.AlertKey) []byte {
	return appendOldestKey(nil, a, created, k)
}

func appendOldestKey(b []byte, a ovAlert, created uint64, k exporter.AlertKey) []byte {
	b = append(append(append(append(b, a.org...), 0), a.severity...), 0)
	b = binary.BigEndian.AppendUint64(b, created)
	return appendSnapshotKey(b, k)
}

// oldestKeyLen is the length of a's index key for k.
func oldestKeyLen(a ovAlert, k exporter.AlertKey) int {
	return len(a.org) + len(a.severity) + 2 + 8 + len(k.Source) + len(k.Repo) + 10
}

// unixSeconds is t in unix seconds, 0 for a time before 1970.
func unixSeconds(t time.Time) uint64 {
	return uint64(max(t.Unix(), 0))
}

// ovKey is a count's key before it is joined into its bucket key: the
// strings are the snapshot's and the record's own, so counting a change
// allocates nothing.
type ovKey struct{ kind, a, b, c string }

// overviewDelta is a transaction's pending changes to the counts, written
// once when the transaction's function returns (flushOverview), rather
// than a read and a write of the same few keys for every snapshot.
type overviewDelta map[ovKey]int64

func (t *Tx) addOverview(key ovKey, d int64) {
	if t.ov == nil {
		t.ov = overviewDelta{}
	}
	t.ov[key] += d
}

// bucketKey is k's key in bucketOverview.
func (k ovKey) bucketKey() string {
	switch k.kind {
	case ovLive:
		return overviewKey(k.kind, k.a)
	}
	return overviewKey(k.kind, k.a, k.b, k.c)
}

// moveOverview changes the overview for k's snapshot going from prev to
// next (nil: untracked); created is when GitHub opened the alert (zero:
// unknown).
func (t *Tx) moveOverview(k exporter.AlertKey, prev, next *exporter.Snapshot, created time.Time) error {
	p, pok := ovOf(k, prev)
	n, nok := ovOf(k, next)
	if pok && nok && p == n && (!n.indexed() || created.IsZero()) {
		return nil // the common case: nothing the overview counts changed
	}
	if p != n || pok != nok {
		if pok && p.open {
			t.addOverview(ovKey{ovOpen, p.source, p.severity, p.org}, -1)
		}
		if pok && p.live {
			t.addOverview(ovKey{kind: ovLive, a: p.org}, -1)
		}
		if nok && n.open {
			t.addOverview(ovKey{ovOpen, n.source, n.severity, n.org}, 1)
		}
		if nok && n.live {
			t.addOverview(ovKey{kind: ovLive, a: n.org}, 1)
		}
	}
	return t.moveOldest(k, p, pok && p.indexed(), n, nok && n.indexed(), next, created)
}

// moveOldest moves k in the oldest-alert index: out of it as p (when pi),
// into it as n (when ni), dated created, or else the date it had, or else
// next's update time.
func (t *Tx) moveOldest(k exporter.AlertKey, p ovAlert, pi bool, n ovAlert, ni bool, next *exporter.Snapshot, created time.Time) error {
	if !pi && !ni {
		return nil
	}
	cb := t.tx.Bucket(bucketCreated)
	// bbolt keeps the keys and values put until the commit: carved
	sk := appendSnapshotKey(t.carve(len(k.Source)+len(k.Repo)+10), k)
	var was uint64
	if pi {
		if raw := cb.Get(sk); len(raw) == 8 {
			was = binary.BigEndian.Uint64(raw)
		}
	}
	now := was
	switch {
	case !created.IsZero():
		now = unixSeconds(created)
	case !pi && ni:
		now = unixSeconds(next.UpdatedAt)
	}
	if pi && ni && p.severity == n.severity && was == now {
		return nil
	}
	idx := t.tx.Bucket(bucketOldest)
	if pi {
		if err := idx.Delete(oldestKey(p, was, k)); err != nil {
			return err
		}
	}
	if !ni {
		return cb.Delete(sk)
	}
	if err := idx.Put(appendOldestKey(t.carve(oldestKeyLen(n, k)), n, now, k), nil); err != nil {
		return err
	}
	return cb.Put(sk, binary.BigEndian.AppendUint64(t.carve(8), now))
}

// countRecords counts records appended, by category, source and action,
// for the alert and request categories (an audit record's action is any of
// GitHub's hundreds, so it is left out).
func (t *Tx) countRecords(recs []exporter.Record) {
	for i := range recs {
		r := &recs[i]
		if r.Category == exporter.CategoryAudit {
			continue
		}
		t.addOverview(ovKey{ovRecords, string(r.Category), string(r.Source), r.Action}, 1)
	}
}

// flushOverview writes the transaction's pending count changes.
func (t *Tx) flushOverview() error {
	if len(t.ov) == 0 {
		return nil
	}
	b := t.tx.Bucket(bucketOverview)
	for ok, d := range t.ov {
		if d == 0 {
			continue
		}
		k := []byte(ok.bucketKey())
		n := int64(0)
		if raw := b.Get(k); len(raw) == 8 {
			n = int64(binary.BigEndian.Uint64(raw))
		}
		// a count at zero is kept: a series that drops to 0 must say 0,
		// not vanish
		if err := b.Put(k, u64(uint64(max(n+d, 0)))); err != nil {
			return err
		}
	}
	t.ov = nil
	return nil
}

// OpenAlerts is the number of open alerts of one source, severity and org.
type OpenAlerts struct {
	Source   exporter.Source
	Severity string
	Org      string
	Count    int
}

// OrgCount is a number of alerts in one org.
type OrgCount struct {
	Org   string
	Count int
}

// OldestOpen is when the oldest open alert of one org and severity
// (critical or high) was created. An alert tracked since before snapshots
// kept the creation time counts from its last update until it next changes.
type OldestOpen struct {
	Org       string
	Severity  string
	CreatedAt time.Time
}

// RecordCount is the number of records appended of one category, source
// and action, since the state file was created (or upgraded to keep it).
type RecordCount struct {
	Category exporter.Category
	Source   exporter.Source
	Action   string
	Count    uint64
}

// Overview is the security overview of the tracked alerts. Its label
// values are bounded: three sources, five severities, the orgs that own
// tracked alerts, and the actions the diff emits.
type Overview struct {
	Open []OpenAlerts
	// LiveSecrets are the open secret scanning alerts whose secret GitHub
	// reports valid (validity active), by org.
	LiveSecrets []OrgCount
	Oldest      []OldestOpen
	Records     []RecordCount
	// Requests are the tracked dismissal and bypass requests by their
	// current status.
	Requests []RequestCount
}

// RequestCount is the number of tracked requests of one kind and target
// in one status.
type RequestCount struct {
	Kind, Target, Status string
	Count                int
}

// Overview reads the security overview: a walk of the stored counts and
// one seek per org and severity in the oldest-alert index, never a walk of
// the snapshots. A file opened read-only before its upgrade has none: the
// Overview is empty. The error is a corrupt count's.
func (t *Tx) Overview() (Overview, error) {
	var o Overview
	b := t.tx.Bucket(bucketOverview)
	if b == nil {
		return o, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		if len(v) != 8 {
			return fmt.Errorf("corrupt overview count %q", k)
		}
		n := binary.BigEndian.Uint64(v)
		kind, rest, _ := strings.Cut(string(k), "\x00")
		parts := strings.Split(rest, "\x00")
		switch {
		case kind == ovOpen && len(parts) == 3:
			o.Open = append(o.Open, OpenAlerts{Source: exporter.Source(parts[0]), Severity: parts[1], Org: parts[2], Count: int(n)})
		case kind == ovLive && len(parts) == 1:
			o.LiveSecrets = append(o.LiveSecrets, OrgCount{Org: parts[0], Count: int(n)})
		case kind == ovRequests && len(parts) == 3:
			o.Requests = append(o.Requests, RequestCount{Kind: parts[0], Target: parts[1], Status: parts[2], Count: int(n)})
		case kind == ovRecords && len(parts) == 3:
			o.Records = append(o.Records, RecordCount{Category: exporter.Category(parts[0]), Source: exporter.Source(parts[1]), Action: parts[2], Count: n})
		default:
			return fmt.Errorf("corrupt overview key %q", k)
		}
		return nil
	})
	if err != nil {
		return o, err
	}
	o.Oldest, err = t.oldest()
	return o, err
}

// oldest reads the first index key of each org and severity, skipping
// from one prefix to the next with a seek.
func (t *Tx) oldest() ([]OldestOpen, error) {
	c := t.tx.Bucket(bucketOldest).Cursor()
	var out []OldestOpen
	for k, _ := c.First(); k != nil; {
		org, rest, ok1 := bytes.Cut(k, []byte{0})
		sev, rest, ok2 := bytes.Cut(rest, []byte{0})
		if !ok1 || !ok2 || len(rest) < 8 {
			return nil, fmt.Errorf("corrupt overview index key %q", k)
		}
		out = append(out, OldestOpen{Org: string(org), Severity: string(sev),
			CreatedAt: time.Unix(int64(binary.BigEndian.Uint64(rest)), 0).UTC()})
		// every key of this org and severity sorts before prefix+1
		next := oldestPrefix(string(org), string(sev))
		next[len(next)-1] = 1
		k, _ = c.Seek(next)
	}
	return out, nil
}
