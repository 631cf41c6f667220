package state

import (
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	bolt "go.etcd.io/bbolt"
)

var day0 = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

// alert is a snapshot and the day (after day0) GitHub created its alert.
type alert struct {
	s       exporter.Snapshot
	created int
}

func snap(state, sev string, createdDay int) alert {
	return alert{exporter.Snapshot{State: state, Severity: sev, UpdatedAt: day0.AddDate(0, 0, 30), Tracks: exporter.SnapshotTracks}, createdDay}
}

// put stores a as ingest does: with its creation time.
func put(tx *Tx, k exporter.AlertKey, a alert) error {
	return tx.PutSnapshotCreated(k, a.s, day0.AddDate(0, 0, a.created))
}

func akey(src exporter.Source, repo string, n int) exporter.AlertKey {
	return exporter.AlertKey{Source: src, Repo: repo, Number: n}
}

func readOverview(t *testing.T, db *DB) Overview {
	t.Helper()
	var o Overview
	if err := db.View(func(tx *Tx) error {
		var err error
		if o, err = tx.Overview(); err != nil {
			return err
		}
		return tx.CheckOverview()
	}); err != nil {
		t.Fatal(err)
	}
	return o
}

func update(t *testing.T, db *DB, fn func(tx *Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// openCounts maps "source/severity/org" to the stored count, zeros left out.
func openCounts(o Overview) map[string]int {
	m := map[string]int{}
	for _, c := range o.Open {
		if c.Count != 0 {
			m[string(c.Source)+"/"+c.Severity+"/"+c.Org] = c.Count
		}
	}
	return m
}

func TestOverview_FollowsPutsAndDeletes(t *testing.T) {
	db, _ := openTemp(t)
	dep1, dep2 := akey(exporter.SourceDependabot, "acme/api", 1), akey(exporter.SourceDependabot, "acme/web", 2)
	cs := akey(exporter.SourceCodeScanning, "beta/app", 7)
	sec := akey(exporter.SourceSecretScanning, "acme/api", 3)
	live := snap("open", "high", 4)
	live.s.Validity = "active"
	update(t, db, func(tx *Tx) error {
		return errors.Join(put(tx, dep1, snap("open", "critical", 2)), put(tx, dep2, snap("open", "critical", 1)),
			put(tx, cs, snap("open", "medium", 0)), put(tx, sec, live))
	})
	o := readOverview(t, db)
	want := map[string]int{"dependabot/critical/acme": 2, "code_scanning/medium/beta": 1, "secret_scanning/high/acme": 1}
	if got := openCounts(o); !reflect.DeepEqual(got, want) {
		t.Fatalf("open %v, want %v", got, want)
	}
	if !reflect.DeepEqual(o.LiveSecrets, []OrgCount{{"acme", 1}}) {
		t.Fatalf("live secrets %v", o.LiveSecrets)
	}
	wantOldest := []OldestOpen{{"acme", "critical", day0.AddDate(0, 0, 1)}, {"acme", "high", day0.AddDate(0, 0, 4)}}
	if !reflect.DeepEqual(o.Oldest, wantOldest) {
		t.Fatalf("oldest %v, want %v", o.Oldest, wantOldest)
	}

	// the oldest critical is fixed, the secret turns inactive, the code
	// scanning alert is withdrawn: the counts fall and the next oldest shows
	inactive := live
	inactive.s.Validity = "inactive"
	update(t, db, func(tx *Tx) error {
		return errors.Join(put(tx, dep2, snap("fixed", "critical", 1)), put(tx, sec, inactive), tx.DeleteSnapshot(cs),
			tx.DeleteSnapshot(akey(exporter.SourceCodeScanning, "beta/app", 99))) // untracked: nothing
	})
	o = readOverview(t, db)
	want = map[string]int{"dependabot/critical/acme": 1, "secret_scanning/high/acme": 1}
	if got := openCounts(o); !reflect.DeepEqual(got, want) {
		t.Fatalf("open %v, want %v", got, want)
	}
	if !reflect.DeepEqual(o.LiveSecrets, []OrgCount{{"acme", 0}}) {
		t.Fatalf("live secrets %v: a count that drops to 0 must stay, at 0", o.LiveSecrets)
	}
	if o.Oldest[0] != (OldestOpen{"acme", "critical", day0.AddDate(0, 0, 2)}) {
		t.Fatalf("oldest critical %v after the oldest was fixed", o.Oldest[0])
	}

	// a severity change moves the alert between the index's severities
	update(t, db, func(tx *Tx) error { return put(tx, dep1, snap("open", "low", 2)) })
	o = readOverview(t, db)
	if len(o.Oldest) != 1 || o.Oldest[0].Severity != "high" {
		t.Fatalf("oldest %v after the critical became low", o.Oldest)
	}
}

// A transaction that fails changes no count: the pending changes are
// written only when its function returns nil.
func TestOverview_RolledBackTransactionCountsNothing(t *testing.T) {
	db, _ := openTemp(t)
	boom := errors.New("boom")
	err := db.Update(func(tx *Tx) error {
		if err := put(tx, akey(exporter.SourceDependabot, "acme/api", 1), snap("open", "high", 0)); err != nil {
			return err
		}
		if err := tx.Append("out", rec("r1")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if o := readOverview(t, db); len(o.Open)+len(o.Records)+len(o.Oldest) != 0 {
		t.Fatalf("overview after a rollback: %+v", o)
	}
}

// Alert and request records are counted by category, source and action,
// whether or not any sink is configured; audit records are not.
func TestOverview_CountsRecords(t *testing.T) {
	db, _ := openTemp(t)
	a := rec("a")
	a.Action = "reopened"
	audit := exporter.Record{ID: "x", Category: exporter.CategoryAudit, Source: exporter.SourceAuditLog, Action: "repo.create"}
	update(t, db, func(tx *Tx) error {
		return errors.Join(tx.AppendAll([]string{"one", "two"}, []exporter.Record{rec("r1"), rec("r2"), a, audit}),
			tx.AppendAll(nil, []exporter.Record{rec("r3")}))
	})
	o := readOverview(t, db)
	want := []RecordCount{{"alert", "dependabot", "created", 3}, {"alert", "dependabot", "reopened", 1}}
	if !reflect.DeepEqual(o.Records, want) {
		t.Fatalf("records %v, want %v", o.Records, want)
	}
}

// An alert stored without its creation time (PutSnapshot) is dated by its
// update, keeps its date while it changes without one, and takes the
// creation time when a change brings it.
func TestOverview_CreationTimeUnknown(t *testing.T) {
	db, _ := openTemp(t)
	k := akey(exporter.SourceDependabot, "acme/api", 1)
	a := snap("open", "critical", 0)
	update(t, db, func(tx *Tx) error { return tx.PutSnapshot(k, a.s) })
	if o := readOverview(t, db); o.Oldest[0].CreatedAt != a.s.UpdatedAt {
		t.Fatalf("oldest %v, want the update time %v", o.Oldest[0].CreatedAt, a.s.UpdatedAt)
	}
	a.s.Title = "renamed"
	a.s.UpdatedAt = a.s.UpdatedAt.Add(time.Hour)
	update(t, db, func(tx *Tx) error { return tx.PutSnapshot(k, a.s) })
	if o := readOverview(t, db); o.Oldest[0].CreatedAt != day0.AddDate(0, 0, 30) {
		t.Fatalf("oldest %v moved with an update that brought no creation time", o.Oldest[0].CreatedAt)
	}
	update(t, db, func(tx *Tx) error { return put(tx, k, a) })
	if o := readOverview(t, db); len(o.Oldest) != 1 || o.Oldest[0].CreatedAt != day0 {
		t.Fatalf("oldest %v, want one at %v", o.Oldest, day0)
	}
}

// writeSchema2 builds a file as schema 2 left it: snapshots, no overview.
func writeSchema2(t *testing.T, path string, snaps map[exporter.AlertKey]alert) {
	t.Helper()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	update(t, db, func(tx *Tx) error {
		for k, a := range snaps {
			if err := put(tx, k, a); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	if err := bdb.Update(func(tx *bolt.Tx) error {
		return errors.Join(tx.DeleteBucket(bucketOverview), tx.DeleteBucket(bucketOldest), tx.DeleteBucket(bucketCreated), tx.Bucket(bucketMeta).Put(keySchema, u64(2)))
	}); err != nil {
		t.Fatal(err)
	}
}

func TestOverview_BuiltOnceFromSchema2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	live := snap("open", "critical", 3)
	live.s.Validity = "active"
	writeSchema2(t, path, map[exporter.AlertKey]alert{
		akey(exporter.SourceDependabot, "acme/api", 1):      snap("open", "critical", 5),
		akey(exporter.SourceDependabot, "acme/api", 2):      snap("dismissed", "critical", 1),
		akey(exporter.SourceSecretScanning, "acme/web", 1):  live,
		akey(exporter.SourceCodeScanning, "beta/x", 4):      snap("open", "warning-ish", 0), // unknown severity: none
		akey(exporter.Source("push_rules"), "beta/x", 4):    snap("open", "high", 0),        // not an alert source
		akey(exporter.SourceSecretScanning, "beta/gone", 9): snap("resolved", "high", 0),
	})

	// read-only (state show) does not migrate: no overview, no error
	readOnly(t, path, func(ro *DB) {
		if err := ro.View(func(tx *Tx) error {
			o, err := tx.Overview()
			if err == nil && len(o.Open) != 0 {
				err = errors.New("overview before the upgrade")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})

	db := reopen(t, path)
	o := readOverview(t, db)
	want := map[string]int{"dependabot/critical/acme": 1, "secret_scanning/critical/acme": 1, "code_scanning/none/beta": 1}
	if got := openCounts(o); !reflect.DeepEqual(got, want) {
		t.Fatalf("open %v, want %v", got, want)
	}
	// dated by their update: schema 2 did not keep the creation time
	if !reflect.DeepEqual(o.Oldest, []OldestOpen{{"acme", "critical", day0.AddDate(0, 0, 30)}}) {
		t.Fatalf("oldest %v", o.Oldest)
	}
	if !reflect.DeepEqual(o.LiveSecrets, []OrgCount{{"acme", 1}}) {
		t.Fatalf("live %v", o.LiveSecrets)
	}
}

// CheckOverview names what differs from a recount.
func TestCheckOverview_ReportsDrift(t *testing.T) {
	db, _ := openTemp(t)
	k := akey(exporter.SourceDependabot, "acme/api", 1)
	update(t, db, func(tx *Tx) error { return put(tx, k, snap("open", "high", 0)) })
	// a write behind the overview's back
	update(t, db, func(tx *Tx) error { return tx.snapshots().Delete(snapshotKey(k)) })
	err := db.View(func(tx *Tx) error { return tx.CheckOverview() })
	if err == nil || !strings.Contains(err.Error(), `is 1, the snapshots give 0`) || !strings.Contains(err.Error(), "matches no open critical or high alert") {
		t.Fatalf("check: %v", err)
	}
}

// The overview of many orgs reads one index key per org and severity.
func TestOverview_OldestPerOrg(t *testing.T) {
	db, _ := openTemp(t)
	update(t, db, func(tx *Tx) error {
		for i := range 300 {
			org := []string{"a", "ab", "b"}[i%3]
			sev := []string{"critical", "high"}[i%2]
			if err := put(tx, akey(exporter.SourceDependabot, org+"/r", i), snap("open", sev, 300-i)); err != nil {
				return err
			}
		}
		return nil
	})
	o := readOverview(t, db)
	var got []string
	for _, x := range o.Oldest {
		got = append(got, x.Org+"/"+x.Severity+"/"+x.CreatedAt.Format(time.DateOnly))
	}
	// the last i of each (org, severity) pair is the oldest: i = 294..299
	want := []string{"a/critical/2025-03-07", "a/high/2025-03-04", "ab/critical/2025-03-03", "ab/high/2025-03-06", "b/critical/2025-03-05", "b/high/2025-03-02"}
	if !slices.Equal(got, want) {
		t.Fatalf("oldest %v\nwant %v", got, want)
	}
}
