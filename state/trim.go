package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The steps of a trim, in order. A test fails or kills a trim before each.
const (
	trimCopy    = "copy"    // write the live data into CompactPath
	trimSync    = "sync"    // fsync the copy (open, holding its lock)
	trimRename  = "rename"  // rename the copy over the state file
	trimDirSync = "dirsync" // fsync the directory
	trimClose   = "close"   // transactions use the copy; close the old file
)

// trimAllocSize is how far past its data the copy grows the file while it
// is written: with bbolt's default (16 MiB) that slack would stay in the
// trimmed file, 160 bytes per alert at 100k alerts.
const trimAllocSize = 64 << 10

// TrimPolicy says when Trim rewrites the file: when the file is larger than
// its data would be in a trimmed file by the given share and bytes. Free
// pages are one part of that; the other is pages that hold data sparsely
// (a B+tree page split in a backfill's order of inserts leaves the
// snapshot pages about half full). The zero policy always trims.
type TrimPolicy struct {
	// MinReclaimFraction is the least share of the file a trim must return.
	MinReclaimFraction float64
	// MinReclaimBytes is the least it must return.
	MinReclaimBytes int64
	// Drained requires every outbox to be empty.
	Drained bool
}

// DefaultTrimPolicy is the daemon's. A trim that returns 40% of the file
// writes at most 1.5 times what it returns, and the file must then grow
// by 1.67 times against its data before the next, so trims stay rare
// however often they are tried; a never-trimmed file whose pages are
// about half full (the usual state of a B+tree filled in no particular
// order) crosses it. Waiting for empty outboxes keeps a trim from copying
// records a drain under way is about to delete, and keeps its copy
// (during which writes wait) to the snapshots. Below 8 MiB, the disk
// returned is not worth pausing every write for.
var DefaultTrimPolicy = TrimPolicy{MinReclaimFraction: 0.4, MinReclaimBytes: 8 << 20, Drained: true}

// estimateGrowth is how much the file must grow after an estimate of its
// data before the next: the estimate walks every page (about 0.2 s per
// 100k alerts on a loaded 2-core machine), too much for every check.
const estimateGrowth = 1.25

func (p TrimPolicy) enough(s FileStats, reclaim int64) bool {
	return reclaim >= p.MinReclaimBytes && float64(reclaim) >= p.MinReclaimFraction*float64(s.FileBytes)
}

// due reports whether p calls for a trim of a file with stats s. Free
// pages alone can answer; otherwise it estimates the data (a walk of the
// file) when the file grew enough since the last estimate.
func (db *DB) due(p TrimPolicy, s FileStats) (bool, error) {
	if p == (TrimPolicy{}) {
		return true, nil
	}
	if p.enough(s, s.FreeBytes+s.FileBytes-s.PageBytes) {
		return true, nil
	}
	if !p.enough(s, s.FileBytes) || float64(s.FileBytes) < estimateGrowth*float64(db.estimatedAt) {
		return false, nil
	}
	data, err := db.dataEstimate()
	if err != nil {
		return false, err
	}
	db.estimatedAt = s.FileBytes
	return p.enough(s, s.FileBytes-data), nil
}

// dataEstimate is the size the file's data would take in a trimmed file:
// the bytes in use on its pages, which a trim packs full but for what
// does not fit a page's end, plus the meta, freelist and root pages.
func (db *DB) dataEstimate() (int64, error) {
	var n int64
	err := db.View(func(tx *Tx) error {
		n = 4 * int64(tx.tx.DB().Info().PageSize)
		return tx.tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
			st := b.Stats() // nested buckets included
			n += int64(st.BranchInuse+st.LeafInuse) * 100 / 95
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("trim state file %s: estimate its data: %w", db.path, err)
	}
	return n, nil
}

// TrimResult says what Trim did.
type TrimResult struct {
	// Trimmed is false when the policy found the file not worth a trim.
	Trimmed bool
	// Before and After are the file's stats around the trim (After equals
	// Before when nothing was done).
	Before, After FileStats
	// Took is how long writes waited for the trim.
	Took time.Duration
}

// Trim rewrites the state file without its free pages and with full pages
// (bbolt's compaction), while it stays open, when p says it is worth it.
// Writes wait for the trim; reads go on. The copy is written beside the
// file (CompactPath), fsynced and opened, locked, before it is renamed over
// the file, so no other process can take the name in between and a crash
// at any instant leaves the old file or the complete new one under path.
// A failure before the rename leaves the DB on its old file, unchanged. A
// failure to fsync the directory after it is returned with Trimmed set:
// the DB uses the new file, and every Update first retries that fsync and
// fails until it succeeds, so no commit lands in a file whose name a power
// loss could still revert. A read-only DB fails.
func (db *DB) Trim(p TrimPolicy) (TrimResult, error) {
	if db.opts.ReadOnly {
		return TrimResult{}, fmt.Errorf("trim state file %s: opened read-only", db.path)
	}
	// Deciding reads only, so writes go on meanwhile; estimatedAt has its
	// own lock, as Trim may run from several goroutines.
	db.decideMu.Lock()
	defer db.decideMu.Unlock()
	before, err := db.Stats()
	if err != nil {
		return TrimResult{}, fmt.Errorf("trim: %w", err)
	}
	res := TrimResult{Before: before, After: before}
	if p.Drained {
		if empty, err := db.outboxesEmpty(); err != nil || !empty {
			return res, err
		}
	}
	if ok, err := db.due(p, before); !ok || err != nil {
		return res, err
	}
	db.wmu.Lock()
	if p.Drained { // again: records may have come while the decision walked
		if empty, err := db.outboxesEmpty(); err != nil || !empty {
			db.wmu.Unlock()
			return res, err
		}
	}
	start := time.Now()
	old, err := db.swapCompacted()
	res.Took = time.Since(start)
	db.wmu.Unlock()
	if old == nil {
		return res, err
	}
	res.Trimmed = true
	// Closed after writes resume: Close waits for the reads still open on
	// the old file, and one of those may be about to write.
	closeErr := db.step(trimClose)
	if cerr := old.Close(); closeErr == nil {
		closeErr = cerr
	}
	if closeErr != nil {
		err = errors.Join(err, fmt.Errorf("trim state file %s: close the replaced file: %w", db.path, closeErr))
	}
	after, serr := db.Stats()
	if serr != nil {
		return res, errors.Join(err, fmt.Errorf("trim: %w", serr))
	}
	res.After = after
	db.estimatedAt = after.FileBytes
	return res, err
}

func (db *DB) outboxesEmpty() (bool, error) {
	empty := true
	err := db.View(func(tx *Tx) error {
		for _, s := range tx.Sinks() {
			n, err := tx.Pending(s)
			if err != nil {
				return err
			}
			empty = empty && n == 0
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("trim state file %s: count outboxes: %w", db.path, err)
	}
	return empty, nil
}

func (db *DB) step(name string) error {
	if db.trimStep == nil {
		return nil
	}
	return db.trimStep(name)
}

// swapCompacted does the trim's steps up to the swap and returns the
// replaced file, still open, once the DB uses the new one; the caller
// holds wmu.
func (db *DB) swapCompacted() (old *bolt.DB, err error) {
	tmp := CompactPath(db.path)
	ndb, err := db.writeCompacted(tmp)
	if err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("trim state file %s: write %s: %w", db.path, tmp, err)
	}
	err = db.step(trimRename)
	if err == nil {
		err = os.Rename(tmp, db.path)
	}
	if err != nil {
		ndb.Close()
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("trim state file %s: replace it with %s: %w", db.path, tmp, err)
	}
	// From here on path names the new file: the DB must use it.
	dirErr := db.step(trimDirSync)
	if dirErr == nil {
		dirErr = syncDir(filepath.Dir(db.path))
	}
	db.dirUnsynced = dirErr != nil
	db.mu.Lock()
	old = db.bolt
	db.bolt = ndb
	db.mu.Unlock()
	if dirErr != nil {
		return old, fmt.Errorf("trim state file %s: %w", db.path, dirErr)
	}
	return old, nil
}

// writeCompacted copies the live data into a new file at tmp, fsyncs it and
// returns it open, holding its lock, with the DB's options.
func (db *DB) writeCompacted(tmp string) (*bolt.DB, error) {
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("remove stale copy: %w", err)
	}
	if err := db.step(trimCopy); err != nil {
		return nil, err
	}
	// Commits skip fsync: nothing reads tmp until the Sync below succeeds
	// and the rename publishes it.
	o := boltOptions(Options{Timeout: time.Second, NoSync: true}, nil)
	o.NoGrowSync = true // the Sync below covers the size too
	// Mapped as large as the old file's pages from the start: each time
	// bbolt grows its map it copies every key and value of the open
	// transaction out of it, which more than halves the copy's speed.
	var hwm int64
	if err := db.View(func(tx *Tx) error { hwm = tx.tx.Size(); return nil }); err != nil {
		return nil, err
	}
	o.InitialMmapSize = int(hwm)
	ndb, err := bolt.Open(tmp, 0o600, o)
	if err != nil {
		return nil, err
	}
	alloc := ndb.AllocSize
	ndb.AllocSize = trimAllocSize
	err = bolt.Compact(ndb, db.bolt, compactTxBytes)
	if err == nil {
		err = db.step(trimSync)
	}
	if err == nil {
		if err = ndb.Sync(); err != nil {
			err = fmt.Errorf("fsync: %w", err)
		}
	}
	if err != nil {
		ndb.Close()
		return nil, err
	}
	ndb.NoSync, ndb.NoGrowSync, ndb.AllocSize = db.opts.NoSync, false, alloc
	return ndb, nil
}
