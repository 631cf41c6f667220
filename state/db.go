package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout version this package writes.
const SchemaVersion = 4

// builtinMigrations are this package's own layout changes, run after any the
// caller supplies for the same version.
var builtinMigrations = []Migration{
	{From: 1, Fn: migrateCounts},   // stored outbox and dead-letter counts
	{From: 2, Fn: migrateOverview}, // the security overview (overview.go)
	{From: 3, Fn: migrateFramed},   // framed outbox entries
}

// migrateFramed marks a file whose outboxes may now hold framed entries
// (recordjson.MarshalStored). Nothing is rewritten: the plain JSON entries
// already queued are still read. The version is what matters: an earlier
// version refuses a schema-4 file (ErrSchemaTooNew) instead of taking the
// framed entries it cannot read for damaged ones and dead-lettering them.
func migrateFramed(*Tx) error { return nil }

var (
	bucketMeta      = []byte("meta")
	bucketSnapshots = []byte("snapshots")
	bucketCursors   = []byte("cursors")
	bucketSeen      = []byte("seen")       // nested: one per set
	bucketOutbox    = []byte("outbox")     // nested: one per sink
	bucketDead      = []byte("deadletter") // nested: one per sink
	bucketSinkData  = []byte("sinkdata")   // nested: one per sink
	keySchema       = []byte("schema_version")
)

// Migration upgrades a file from version From to From+1 inside one transaction.
type Migration struct {
	From int
	Fn   func(tx *Tx) error
}

// Options tune Open.
type Options struct {
	// Timeout is how long Open waits for the file lock (default 1s).
	Timeout time.Duration
	// ReadOnly opens the file for inspection (state commands).
	ReadOnly bool
	// NoSync skips fsync on commit; only for benchmarks.
	NoSync bool
	// Migrations run in order when the file is older than SchemaVersion.
	Migrations []Migration
}

// DB is an open state file. Trim may replace the bbolt file under it; every
// transaction goes through Update or View, which is what lets the swap wait
// for the transactions open on the old file.
type DB struct {
	path string
	opts Options

	// wmu is held by every Update and by Trim and Close: bbolt runs one
	// writer at a time anyway, and a trim must see no write between its
	// copy and the swap.
	wmu sync.Mutex
	// mu guards the bolt pointer: read-locked while a read transaction
	// begins, write-locked by Trim only to swap it.
	mu   sync.RWMutex
	bolt *bolt.DB
	// dirUnsynced is set (under wmu) when a trim renamed the new file into
	// place but could not fsync the directory: until a retry succeeds no
	// commit may land in a file whose name a power loss could revert.
	dirUnsynced bool
	// decideMu serializes trims' decisions; estimatedAt is the file size
	// at the last estimate of its data (under decideMu).
	decideMu    sync.Mutex
	estimatedAt int64
	// trimStep, when set by a test, runs at each step of a trim; an error
	// fails the trim there.
	trimStep func(step string) error
}

// Open opens or creates the state file at path. A file held by another
// process fails after Options.Timeout with an error wrapping ErrLocked; an
// empty, truncated or otherwise unreadable one fails with an error wrapping
// ErrDamaged that names it and says what to do, and is left untouched.
func Open(path string, opts Options) (*DB, error) {
	if opts.Timeout == 0 {
		opts.Timeout = time.Second
	}
	if dir := filepath.Dir(path); dir != "" && !opts.ReadOnly {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create state directory %s: %w", dir, err)
		}
	}
	bdb, err := openLocked(path, opts)
	if err != nil {
		return nil, err
	}
	db := &DB{bolt: bdb, path: path, opts: opts}
	if opts.ReadOnly {
		return db, nil
	}
	// Holding the lock on path means no trim of it is under way (a trim
	// holds the lock of the old file and of the new one until the rename),
	// so a copy left beside it is a crashed run's.
	if err := os.Remove(CompactPath(path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		bdb.Close()
		return nil, fmt.Errorf("open state file %s: remove stale %s: %w", path, CompactPath(path), err)
	}
	if err := db.init(opts.Migrations); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	return db, nil
}

func boltOptions(opts Options, open func(string, int, os.FileMode) (*os.File, error)) *bolt.Options {
	return &bolt.Options{Timeout: opts.Timeout, ReadOnly: opts.ReadOnly, NoSync: opts.NoSync, NoFreelistSync: true, FreelistType: bolt.FreelistMapType, OpenFile: open}
}

// openedForLock, when a test sets it, runs once Open has the file open and
// is about to wait for its lock.
var openedForLock func(path string)

// openLocked opens path with bbolt and returns once it holds the file's
// lock. The lock is on the file, not the name: a process that waited for it
// while a trim renamed a new file over path gets the lock of the replaced
// one, which no name leads to any more, so it opens path again.
func openLocked(path string, opts Options) (*bolt.DB, error) {
	deadline := time.Now().Add(opts.Timeout)
	for {
		var f *os.File
		o := boltOptions(opts, func(name string, flag int, perm os.FileMode) (*os.File, error) {
			var err error
			f, err = os.OpenFile(name, flag, perm)
			if err == nil && openedForLock != nil {
				openedForLock(name)
			}
			return f, err
		})
		o.Timeout = max(time.Until(deadline), time.Millisecond)
		if err := checkFile(path); err != nil {
			return nil, err
		}
		bdb, err := openBolt(path, o, func() {
			if f != nil {
				f.Close() // releases the lock of a file bbolt failed on
			}
		})
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("open state file %s: %w (waited %s for its lock; is another ghsec-exporter running?)", path, ErrLocked, opts.Timeout)
		}
		if err != nil {
			return nil, fmt.Errorf("open state file %s: %w", path, err)
		}
		held, herr := f.Stat()
		named, nerr := os.Stat(path)
		if err := errors.Join(herr, nerr); err != nil {
			bdb.Close()
			return nil, fmt.Errorf("open state file %s: %w", path, err)
		}
		if os.SameFile(held, named) {
			return bdb, nil
		}
		bdb.Close()
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("open state file %s: %w (replaced while waiting %s for its lock; is another ghsec-exporter running?)", path, ErrLocked, opts.Timeout)
		}
	}
}

// openBolt is bolt.Open with a panic or memory fault while bbolt reads the
// file (a rebuild of the freelist walks every page) reported as ErrDamaged.
func openBolt(path string, o *bolt.Options, cleanup func()) (bdb *bolt.DB, err error) {
	withFaultsAsPanics(func() {
		defer recoverDamaged(path, &err, cleanup)
		bdb, err = bolt.Open(path, 0o600, o)
	})
	return bdb, err
}

func (db *DB) init(migrations []Migration) error {
	return db.Update(func(tx *Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketSnapshots, bucketCursors, bucketSeen, bucketOutbox, bucketDead, bucketSinkData, bucketCounts, bucketOverview, bucketOldest, bucketCreated} {
			if _, err := tx.tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.tx.Bucket(bucketMeta)
		v := 0
		if b := meta.Get(keySchema); len(b) == 8 {
			v = int(binary.BigEndian.Uint64(b))
		} else {
			v = SchemaVersion // a new file starts at the current layout
		}
		if v > SchemaVersion {
			return fmt.Errorf("%w: file has version %d, this build knows %d", ErrSchemaTooNew, v, SchemaVersion)
		}
		all := append(append([]Migration(nil), migrations...), builtinMigrations...)
		sort.SliceStable(all, func(i, j int) bool { return all[i].From < all[j].From })
		for _, m := range all {
			if m.From == v && v < SchemaVersion {
				if err := m.Fn(tx); err != nil {
					return fmt.Errorf("migrate state schema %d to %d: %w", v, v+1, err)
				}
				v++
			}
		}
		if v != SchemaVersion {
			return fmt.Errorf("no migration from state schema %d to %d", v, SchemaVersion)
		}
		return meta.Put(keySchema, u64(uint64(v)))
	})
}

// Path is the file's path.
func (db *DB) Path() string { return db.path }

// Close releases the file and its lock, after the transaction or trim in
// flight.
func (db *DB) Close() error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	return db.bolt.Close()
}

// SchemaVersion reports the layout version stored in the file.
func (db *DB) SchemaVersion() (int, error) {
	v := 0
	err := db.View(func(tx *Tx) error {
		if b := tx.tx.Bucket(bucketMeta); b != nil {
			if raw := b.Get(keySchema); len(raw) == 8 {
				v = int(binary.BigEndian.Uint64(raw))
			}
		}
		return nil
	})
	return v, err
}

// Update runs fn in one read-write transaction: everything fn writes commits
// together or not at all.
func (db *DB) Update(fn func(tx *Tx) error) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if db.dirUnsynced {
		err := db.step(trimDirSync)
		if err == nil {
			err = syncDir(filepath.Dir(db.path))
		}
		if err != nil {
			return fmt.Errorf("update state file %s: the trimmed file's name is not durable yet: %w", db.path, err)
		}
		db.dirUnsynced = false
	}
	err := db.bolt.Update(func(btx *bolt.Tx) error {
		t := &Tx{tx: btx}
		if err := fn(t); err != nil {
			return err
		}
		return t.flushOverview()
	})
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// View runs fn in a read-only transaction.
func (db *DB) View(fn func(tx *Tx) error) error {
	// The lock covers only Begin: a trim swaps the file between
	// transactions, and the old file's Close waits for those still open on
	// it, which read the same data as the new one (writes wait for a trim).
	db.mu.RLock()
	btx, err := db.bolt.Begin(false)
	db.mu.RUnlock()
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	if err != nil {
		return err
	}
	defer func() { _ = btx.Rollback() }()
	return fn(&Tx{tx: btx})
}

// Size is the size in bytes of the file's pages up to its high-water mark
// (FileStats has the size on disk).
func (db *DB) Size() (int64, error) {
	var n int64
	err := db.View(func(tx *Tx) error { n = tx.tx.Size(); return nil })
	return n, err
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}
