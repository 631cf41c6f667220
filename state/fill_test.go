package state

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// A backfill inserts each repository's alerts in number order (descending
// for GitHub's newest-first listing), interleaved across repositories, a
// group per transaction: the snapshot pages must come out dense, not at
// bbolt's default half.
func TestPutSnapshot_ListingOrderFillsPages(t *testing.T) {
	for _, desc := range []bool{false, true} {
		db, _ := openTemp(t)
		const repos, per, group = 200, 150, 25
		for g := 0; g < per; g += group {
			if err := db.Update(func(tx *Tx) error {
				for n := g; n < g+group; n++ {
					num := n + 1
					if desc {
						num = per - n
					}
					for r := 0; r < repos; r++ {
						k := exporter.AlertKey{Source: exporter.SourceDependabot, Repo: fmt.Sprintf("acme/r%03d", r), Number: num}
						if err := tx.PutSnapshot(k, exporter.Snapshot{State: "open", Title: strings.Repeat("x", 150)}); err != nil {
							return err
						}
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		var fill float64
		if err := db.View(func(tx *Tx) error { fill = tx.SnapshotFill(); return nil }); err != nil {
			t.Fatal(err)
		}
		if fill < 0.7 {
			t.Errorf("descending=%v: snapshot pages %.0f%% full, want at least 70%%", desc, 100*fill)
		}
	}
}
