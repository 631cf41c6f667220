package state

import (
	"fmt"
	"slices"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

func TestScanSnapshotKeys_ResumesAfterTheLastKeyAcrossTransactions(t *testing.T) {
	db, _ := openTemp(t)
	put := []exporter.AlertKey{
		{Source: "dependabot", Repo: "acme/a", Number: 1}, {Source: "dependabot", Repo: "acme/a", Number: 2},
		{Source: "dependabot", Repo: "acme/a", Number: 300}, {Source: "dependabot", Repo: "acme/b", Number: 1},
		{Source: "dependabot", Repo: "acme/b", Number: 7}, {Source: "dependabot", Repo: "acmex/a", Number: 1},
		{Source: "code_scanning", Repo: "acme/a", Number: 5}, {Source: "secret_scanning", Repo: "acme/a", Number: 1},
	}
	if err := db.Update(func(tx *Tx) error {
		for _, k := range put {
			if err := tx.PutSnapshot(k, exporter.Snapshot{State: "open"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// two keys per transaction; the last key of the first chunk is deleted
	// before the second resumes after it
	var got []string
	var after *exporter.AlertKey
	for round := 0; ; round++ {
		var chunk []exporter.AlertKey
		if err := db.View(func(tx *Tx) error {
			return tx.ScanSnapshotKeys("dependabot", "acme/", after, func(k exporter.AlertKey) bool {
				chunk = append(chunk, k)
				return len(chunk) < 2
			})
		}); err != nil {
			t.Fatal(err)
		}
		if len(chunk) == 0 {
			break
		}
		for _, k := range chunk {
			got = append(got, fmt.Sprintf("%s#%d", k.Repo, k.Number))
		}
		after = &chunk[len(chunk)-1]
		if round == 0 {
			if err := db.Update(func(tx *Tx) error {
				return tx.DeleteSnapshot(exporter.AlertKey{Source: "dependabot", Repo: "acme/a", Number: 2})
			}); err != nil {
				t.Fatal(err)
			}
		}
		if round > 10 {
			t.Fatal("the walk does not end")
		}
	}
	want := []string{"acme/a#1", "acme/a#2", "acme/a#300", "acme/b#1", "acme/b#7"}
	if !slices.Equal(got, want) {
		t.Fatalf("walk: got %v, want %v", got, want)
	}
	// a resume key before the prefix starts the walk at the prefix
	var first []string
	_ = db.View(func(tx *Tx) error {
		return tx.ScanSnapshotKeys("dependabot", "acme/b", &exporter.AlertKey{Source: "code_scanning", Repo: "zzz", Number: 1}, func(k exporter.AlertKey) bool {
			first = append(first, fmt.Sprintf("%s#%d", k.Repo, k.Number))
			return true
		})
	})
	if !slices.Equal(first, []string{"acme/b#1", "acme/b#7"}) {
		t.Fatalf("walk from before the prefix: %v", first)
	}
}

func TestScanSnapshotKeys_EmptySourceWalksEverySnapshot(t *testing.T) {
	db, _ := openTemp(t)
	keys := []exporter.AlertKey{{Source: "dependabot", Repo: "a/b", Number: 1}, {Source: "code_scanning", Repo: "a/b", Number: 1}}
	if err := db.Update(func(tx *Tx) error {
		for _, k := range keys {
			if err := tx.PutSnapshot(k, exporter.Snapshot{State: "open"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	n := 0
	_ = db.View(func(tx *Tx) error {
		return tx.ScanSnapshotKeys("", "", nil, func(exporter.AlertKey) bool { n++; return true })
	})
	if n != len(keys) {
		t.Fatalf("walked %d snapshots, want %d", n, len(keys))
	}
}
