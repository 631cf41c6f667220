package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout version this package writes.
const SchemaVersion = 2

// builtinMigrations are this package's own layout changes, run after any the
// caller supplies for the same version.
var builtinMigrations = []Migration{
	{From: 1, Fn: migrateCounts}, // stored outbox and dead-letter counts
}

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

// DB is an open state file.
type DB struct {
	bolt *bolt.DB
	path string
}

// Open opens or creates the state file at path. A file held by another
// process fails after Options.Timeout with an error wrapping ErrLocked.
func Open(path string, opts Options) (*DB, error) {
	if opts.Timeout == 0 {
		opts.Timeout = time.Second
	}
	if dir := filepath.Dir(path); dir != "" && !opts.ReadOnly {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create state directory %s: %w", dir, err)
		}
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, ReadOnly: opts.ReadOnly, NoSync: opts.NoSync, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open state file %s: %w (waited %s for its lock; is another ghsec-exporter running?)", path, ErrLocked, opts.Timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	db := &DB{bolt: bdb, path: path}
	if opts.ReadOnly {
		return db, nil
	}
	if err := db.init(opts.Migrations); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	return db, nil
}

func (db *DB) init(migrations []Migration) error {
	return db.Update(func(tx *Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketSnapshots, bucketCursors, bucketSeen, bucketOutbox, bucketDead, bucketSinkData, bucketCounts} {
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

// Close releases the file and its lock.
func (db *DB) Close() error { return db.bolt.Close() }

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
	err := db.bolt.Update(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// View runs fn in a read-only transaction.
func (db *DB) View(fn func(tx *Tx) error) error {
	err := db.bolt.View(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// Size is the state file's size in bytes.
func (db *DB) Size() (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n, err
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}
