package state

import (
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Request snapshots live apart from alert snapshots: a file that never
// stored one reads as having none (read-only too), and storing one leaves
// every alert walk as it was.
func TestTx_RequestSnapshot(t *testing.T) {
	db, path := openTemp(t)
	alert := exporter.AlertKey{Source: exporter.SourceDependabot, Repo: "acme/w", Number: 7}
	k := exporter.RequestKey{Kind: "dismissal", Target: "dependabot", Scope: "acme/w", Number: 42}
	if err := db.Update(func(tx *Tx) error { return tx.PutSnapshot(alert, exporter.Snapshot{State: "open"}) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	readOnly(t, path, func(ro *DB) {
		if err := ro.View(func(tx *Tx) error {
			if _, ok, err := tx.RequestSnapshot(k); ok || err != nil {
				t.Errorf("a file without requests: ok=%v err=%v", ok, err)
			}
			return tx.ForEachRequestSnapshot(func(exporter.RequestKey, exporter.RequestSnapshot) error {
				t.Error("a file without requests walks one")
				return nil
			})
		}); err != nil {
			t.Fatal(err)
		}
	})

	db = reopen(t, path)
	want := exporter.RequestSnapshot{Status: "approved", Done: 3}
	other := exporter.RequestKey{Kind: "bypass", Target: "push_rules", Scope: "acme", Number: 1}
	if err := db.Update(func(tx *Tx) error {
		if err := tx.PutRequestSnapshot(k, want); err != nil {
			return err
		}
		return tx.PutRequestSnapshot(other, exporter.RequestSnapshot{Status: "pending", Done: 1})
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *Tx) error {
		got, ok, err := tx.RequestSnapshot(k)
		if !ok || err != nil || got != want {
			t.Errorf("stored %+v, %v, %v; want %+v", got, ok, err, want)
		}
		var keys []exporter.RequestKey
		if err := tx.ForEachRequestSnapshot(func(k exporter.RequestKey, _ exporter.RequestSnapshot) error {
			keys = append(keys, k)
			return nil
		}); err != nil {
			return err
		}
		if len(keys) != 2 || keys[0] != other || keys[1] != k {
			t.Errorf("walked %+v", keys)
		}
		n := 0
		err = tx.ForEachSnapshot("", "", func(exporter.AlertKey, exporter.Snapshot) error { n++; return nil })
		if n != 1 || err != nil {
			t.Errorf("alert snapshots: %d, %v", n, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *Tx) error { return tx.DeleteRequestSnapshot(k) }); err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *Tx) error {
		if _, ok, _ := tx.RequestSnapshot(k); ok {
			t.Error("deleted request still stored")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
