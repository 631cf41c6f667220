package state

import (
	"fmt"
	"os"
)

// FileStats describe how much of the state file holds data.
type FileStats struct {
	// FileBytes is the file's size on disk.
	FileBytes int64
	// PageBytes is the size of its pages up to the high-water mark.
	PageBytes int64
	// FreeBytes is how much of PageBytes is free pages: space that deleted
	// data left, which bbolt reuses for new data but never returns to the
	// filesystem.
	FreeBytes int64
}

// Stats reports the file's size and free space. The free-page count is
// bbolt's in-memory freelist, so this costs no walk of the file.
func (db *DB) Stats() (FileStats, error) {
	var s FileStats
	err := db.View(func(tx *Tx) error {
		s.PageBytes = tx.tx.Size()
		st := tx.tx.DB().Stats()
		s.FreeBytes = int64(st.FreeAlloc)
		return nil
	})
	if err != nil {
		return s, fmt.Errorf("read state file %s stats: %w", db.path, err)
	}
	fi, err := os.Stat(db.path)
	if err != nil {
		return s, fmt.Errorf("read state file %s stats: %w", db.path, err)
	}
	s.FileBytes = fi.Size()
	return s, nil
}

// SnapshotFill is the share of the snapshot bucket's pages that holds data
// (for the benchmarks: how densely the backfill's order of inserts left
// them). It walks the bucket.
func (t *Tx) SnapshotFill() float64 {
	s := t.tx.Bucket(bucketSnapshots).Stats()
	pages := int64(s.BranchPageN+s.BranchOverflowN+s.LeafPageN+s.LeafOverflowN) * int64(t.tx.DB().Info().PageSize)
	if pages == 0 {
		return 1
	}
	return float64(s.BranchInuse+s.LeafInuse) / float64(pages)
}
