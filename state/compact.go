package state

import (
	"fmt"
	"os"
)

// compactTxBytes bounds the memory of one compaction transaction: what it
// copies is held as keys, values and nodes (about 2.5 times this) until it
// commits, and the copy's commits are not fsynced, so small ones cost
// little: 4 MiB keeps a trim's heap near the daemon's steady state.
const compactTxBytes = 4 << 20

// CompactPath is where Compact and Trim write the new file before it
// replaces path.
func CompactPath(path string) string { return path + ".compact" }

// Compact rewrites the state file at path into a new file with only live
// pages, then replaces the original with it, and returns the file's size
// before and after. It opens path like Open does, so it fails with
// ErrLocked while a daemon holds the file, and it is Trim with the lock
// held from Open to Close: none can start meanwhile, and a crash at any
// point leaves the original or the complete new file under path.
func Compact(path string, opts Options) (before, after int64, err error) {
	// Open would create a missing file; compacting one is a mistaken path.
	if _, err := os.Stat(path); err != nil {
		return 0, 0, fmt.Errorf("compact state file %s: %w", path, err)
	}
	opts.ReadOnly, opts.NoSync = false, false
	db, err := Open(path, opts)
	if err != nil {
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("compact state file %s: close: %w", path, cerr)
		}
	}()
	res, err := db.Trim(TrimPolicy{})
	if err != nil {
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	return res.Before.FileBytes, res.After.FileBytes, nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return d.Close()
}
