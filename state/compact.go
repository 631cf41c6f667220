package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// compactTxBytes bounds the memory of one compaction transaction.
const compactTxBytes = 16 << 20

// CompactPath is where Compact writes the new file before it replaces path.
func CompactPath(path string) string { return path + ".compact" }

// Compact rewrites the state file at path into a new file with only live
// pages (bbolt's own compaction), then replaces the original with it, and
// returns the file's size before and after. It opens path like Open does, so
// it fails with ErrLocked while a daemon holds the file, and keeps the lock
// until the new file is in place so none can start meanwhile. A crash at any
// point leaves the original or the complete new file under path: the
// original is only ever replaced by rename, after the new file is fsynced,
// and a copy left behind by an interrupted run is removed by the next.
func Compact(path string, opts Options) (before, after int64, err error) {
	// Open would create a missing file; compacting one is a mistaken path.
	if _, err := os.Stat(path); err != nil {
		return 0, 0, fmt.Errorf("compact state file %s: %w", path, err)
	}
	opts.ReadOnly, opts.NoSync = false, false
	src, err := Open(path, opts)
	if err != nil {
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	defer func() {
		if cerr := src.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("compact state file %s: close: %w", path, cerr)
		}
	}()
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("compact state file %s: %w", path, err)
	}
	tmp := CompactPath(path)
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, 0, fmt.Errorf("compact state file %s: remove stale %s: %w", path, tmp, err)
	}
	if err := copyCompacted(src.bolt, tmp); err != nil {
		_ = os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact state file %s into %s: %w", path, tmp, err)
	}
	nfi, err := os.Stat(tmp)
	if err != nil {
		return 0, 0, fmt.Errorf("compact state file %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact state file %s: replace it with %s: %w", path, tmp, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return 0, 0, fmt.Errorf("compact state file %s: %w", path, err)
	}
	return fi.Size(), nfi.Size(), nil
}

// copyCompacted writes src's live data into a new file at dst and fsyncs it.
func copyCompacted(src *bolt.DB, dst string) error {
	// Commits skip fsync: nothing reads dst until the Sync below succeeds
	// and the rename publishes it.
	ddb, err := bolt.Open(dst, 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return err
	}
	if err := bolt.Compact(ddb, src, compactTxBytes); err != nil {
		ddb.Close()
		return err
	}
	if err := ddb.Close(); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync: %w", err)
	}
	return f.Close()
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
