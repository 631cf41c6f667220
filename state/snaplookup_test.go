package state

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// LookupSnapshots answers what Snapshot answers key by key, for keys sorted
// like the bucket (the walk) and shuffled (every skip falls back to a seek).
func TestLookupSnapshots_AgreesWithSnapshot(t *testing.T) {
	db, _ := openTemp(t)
	var keys []exporter.AlertKey
	for _, src := range []exporter.Source{exporter.SourceCodeScanning, exporter.SourceDependabot} {
		for r := range 5 {
			for n := 1; n <= 30; n++ {
				keys = append(keys, exporter.AlertKey{Source: src, Repo: fmt.Sprintf("acme/r%d", r), Number: n})
			}
		}
	}
	if err := db.Update(func(tx *Tx) error {
		for i, k := range keys {
			if i%3 == 0 || (k.Number > 10 && k.Number < 20) {
				if err := tx.PutSnapshot(k, exporter.Snapshot{State: "open", Title: fmt.Sprint(i)}); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// keys before, between and after every stored range
	keys = append(keys, exporter.AlertKey{Source: "a", Repo: "x", Number: 1}, exporter.AlertKey{Source: "zz", Repo: "x", Number: 1},
		exporter.AlertKey{Source: exporter.SourceDependabot, Repo: "acme/r2", Number: 99}, exporter.AlertKey{Source: exporter.SourceDependabot, Repo: "acme/r9", Number: 1})
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, func(a, b exporter.AlertKey) int {
		return slices.Compare(snapshotKey(a), snapshotKey(b))
	})
	shuffled := slices.Clone(keys)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for name, ks := range map[string][]exporter.AlertKey{"sorted": sorted, "shuffled": shuffled, "repeated": append(slices.Clone(sorted[:40]), sorted[:40]...)} {
		if err := db.View(func(tx *Tx) error {
			hits := 0
			err := tx.LookupSnapshots(len(ks), func(i int) exporter.AlertKey { return ks[i] }, func(i int, got *exporter.Snapshot) error {
				want, ok, err := tx.Snapshot(ks[i])
				if err != nil {
					return err
				}
				if ok != (got != nil) || (ok && !want.Equal(*got)) {
					t.Errorf("%s: key %v: got %+v, want %+v (tracked %v)", name, ks[i], got, want, ok)
				}
				if ok {
					hits++
				}
				return nil
			})
			if hits == 0 || hits == len(ks) {
				t.Errorf("%s: %d of %d keys tracked, want some of each", name, hits, len(ks))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}
