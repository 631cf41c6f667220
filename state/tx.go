package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	bolt "go.etcd.io/bbolt"
)

// Tx is one transaction on the state file. It is valid only inside the
// closure passed to DB.Update or DB.View; byte slices it returns must not be
// kept after that.
type Tx struct {
	tx *bolt.Tx
	// slab is carved into the keys and values written: bbolt holds on to
	// them until the commit, so each piece is used once, but one slab
	// serves hundreds of snapshots instead of two allocations each.
	slab []byte
	// snaps and snapCur are the snapshot bucket and one cursor on it for
	// the lookups: bbolt's Get makes a new cursor (and grows its stack)
	// per call, while a Seek reuses the cursor's stack.
	snaps   *bolt.Bucket
	snapCur *bolt.Cursor
	// seekKey is reused for the keys looked up, which bbolt does not keep
	seekKey []byte
	// ov is the overview counts' pending changes (overview.go)
	ov overviewDelta
}

// snapshotFill is how full a split leaves the snapshot pages. bbolt's
// default, half, suits random inserts; a listing adds each repository's
// alerts in number order, so half-full pages would double the pages a
// backfill writes (and rewrites, group after group). The tenth left free
// takes a few updates' growth (a state, a closer) before a page splits.
const snapshotFill = 0.9

func (t *Tx) snapshots() *bolt.Bucket {
	if t.snaps == nil {
		t.snaps = t.tx.Bucket(bucketSnapshots)
		t.snaps.FillPercent = snapshotFill
	}
	return t.snaps
}

// carve returns an empty slice with room for n bytes that no other carve
// shares; what is appended to it beyond n reallocates.
func (t *Tx) carve(n int) []byte {
	if cap(t.slab)-len(t.slab) < n {
		t.slab = make([]byte, 0, max(64<<10, n))
	}
	b := t.slab[len(t.slab) : len(t.slab) : len(t.slab)+n]
	t.slab = t.slab[:len(t.slab)+n]
	return b
}

// snapshotKey orders keys by source, then repo, then number, so one source's
// alerts in one owner are a contiguous prefix.
func snapshotKey(k exporter.AlertKey) []byte {
	return appendSnapshotKey(make([]byte, 0, len(k.Source)+len(k.Repo)+10), k)
}

func appendSnapshotKey(b []byte, k exporter.AlertKey) []byte {
	b = append(b, k.Source...)
	b = append(b, 0)
	b = append(b, k.Repo...)
	b = append(b, 0)
	return binary.BigEndian.AppendUint64(b, uint64(k.Number))
}

func parseSnapshotKey(b []byte) (exporter.AlertKey, bool) {
	i := bytes.IndexByte(b, 0)
	if i < 0 || len(b) < i+10 {
		return exporter.AlertKey{}, false
	}
	rest := b[i+1:]
	j := bytes.IndexByte(rest, 0)
	if j < 0 || len(rest) != j+9 {
		return exporter.AlertKey{}, false
	}
	return exporter.AlertKey{
		Source: exporter.Source(b[:i]),
		Repo:   string(rest[:j]),
		Number: int(binary.BigEndian.Uint64(rest[j+1:])),
	}, true
}

// Snapshot returns the stored snapshot of k, or ok=false when k is untracked.
func (t *Tx) Snapshot(k exporter.AlertKey) (s exporter.Snapshot, ok bool, err error) {
	key := appendSnapshotKey(t.seekKey[:0], k)
	t.seekKey = key
	if t.snapCur == nil {
		t.snapCur = t.snapshots().Cursor()
	}
	// Seek starts from the root every time, so puts between lookups do
	// not leave it astray; a nested bucket has a nil value
	found, raw := t.snapCur.Seek(key)
	if raw == nil || !bytes.Equal(found, key) {
		return s, false, nil
	}
	if err := decodeSnapshot(raw, &s); err != nil {
		return s, false, fmt.Errorf("decode snapshot %s %s#%d: %w", k.Source, k.Repo, k.Number, err)
	}
	return s, true, nil
}

// decodeSnapshot reads a stored snapshot.
func decodeSnapshot(raw []byte, s *exporter.Snapshot) error {
	return recordjson.UnmarshalSnapshot(raw, s)
}

// PutSnapshot stores s as k's last-seen state: PutSnapshotCreated without
// the alert's creation time.
func (t *Tx) PutSnapshot(k exporter.AlertKey, s exporter.Snapshot) error {
	return t.PutSnapshotCreated(k, s, time.Time{})
}

// PutSnapshotCreated stores s as k's last-seen state, and moves the alert in
// the security overview (overview.go) from where its stored snapshot had
// it. created is when GitHub opened the alert, which dates it in the
// overview's oldest open alert (zero: the date it had, or else its update
// time).
func (t *Tx) PutSnapshotCreated(k exporter.AlertKey, s exporter.Snapshot, created time.Time) error {
	prev, ok, err := t.Snapshot(k)
	if err != nil {
		return err
	}
	if !ok {
		return t.PutSnapshotOver(k, nil, s, created)
	}
	return t.PutSnapshotOver(k, &prev, s, created)
}

// PutSnapshotOver is PutSnapshotCreated for a caller that has just read
// what is stored under k: prev must be it (nil: k is untracked), or the
// overview drifts from the snapshots. It saves the diff of a listing a
// second lookup of every alert.
func (t *Tx) PutSnapshotOver(k exporter.AlertKey, prev *exporter.Snapshot, s exporter.Snapshot, created time.Time) error {
	raw, err := recordjson.MarshalSnapshot(&s)
	if err != nil {
		return err
	}
	key := appendSnapshotKey(t.carve(len(k.Source)+len(k.Repo)+10), k)
	if err := t.snapshots().Put(key, raw); err != nil {
		return err
	}
	return t.moveOverview(k, prev, &s, created)
}

// DeleteSnapshot forgets k, and takes it out of the security overview.
func (t *Tx) DeleteSnapshot(k exporter.AlertKey) error {
	prev, ok, err := t.Snapshot(k)
	if err != nil || !ok {
		return err
	}
	return t.DeleteSnapshotOver(k, prev)
}

// DeleteSnapshotOver is DeleteSnapshot for a caller that has just read what
// is stored under k: prev must be it, or the overview drifts from the
// snapshots. It saves a withdrawal a second lookup of the alert.
func (t *Tx) DeleteSnapshotOver(k exporter.AlertKey, prev exporter.Snapshot) error {
	if err := t.snapshots().Delete(snapshotKey(k)); err != nil {
		return err
	}
	return t.moveOverview(k, &prev, nil, time.Time{})
}

// ForEachSnapshot walks the snapshots of source whose repo starts with
// repoPrefix ("" for all, "acme/" for one owner, "acme/widgets" plus an exact
// match check by the caller for one repo), in key order.
func (t *Tx) ForEachSnapshot(source exporter.Source, repoPrefix string, fn func(k exporter.AlertKey, s exporter.Snapshot) error) error {
	prefix := []byte(string(source))
	if source != "" {
		prefix = append(prefix, 0)
		prefix = append(prefix, repoPrefix...)
	}
	c := t.tx.Bucket(bucketSnapshots).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		key, ok := parseSnapshotKey(k)
		if !ok {
			return fmt.Errorf("corrupt snapshot key %q", k)
		}
		var s exporter.Snapshot
		if err := decodeSnapshot(v, &s); err != nil {
			return fmt.Errorf("decode snapshot %s %s#%d: %w", key.Source, key.Repo, key.Number, err)
		}
		if err := fn(key, s); err != nil {
			return err
		}
	}
	return nil
}

// Cursor returns the raw cursor stored under name, nil if none.
func (t *Tx) Cursor(name string) []byte {
	return t.tx.Bucket(bucketCursors).Get([]byte(name))
}

// PutCursor stores a cursor value under name.
func (t *Tx) PutCursor(name string, value []byte) error {
	return t.tx.Bucket(bucketCursors).Put([]byte(name), value)
}

// ForEachCursor walks all cursors (for the state command).
func (t *Tx) ForEachCursor(fn func(name string, value []byte) error) error {
	return t.tx.Bucket(bucketCursors).ForEach(func(k, v []byte) error { return fn(string(k), v) })
}

// Seen reports whether id is in the named set.
func (t *Tx) Seen(set, id string) bool {
	b := t.tx.Bucket(bucketSeen).Bucket([]byte(set))
	return b != nil && b.Get([]byte(id)) != nil
}

// MarkSeen adds id to the named set with its event time in unix milliseconds,
// which PruneSeen compares against.
func (t *Tx) MarkSeen(set, id string, atMillis int64) error {
	b, err := t.tx.Bucket(bucketSeen).CreateBucketIfNotExists([]byte(set))
	if err != nil {
		return err
	}
	return b.Put([]byte(id), u64(uint64(atMillis)))
}

// PruneSeen removes ids whose time is before beforeMillis and returns how many.
func (t *Tx) PruneSeen(set string, beforeMillis int64) (int, error) {
	b := t.tx.Bucket(bucketSeen).Bucket([]byte(set))
	if b == nil {
		return 0, nil
	}
	var old [][]byte
	if err := b.ForEach(func(k, v []byte) error {
		if len(v) == 8 && int64(binary.BigEndian.Uint64(v)) < beforeMillis {
			old = append(old, append([]byte(nil), k...))
		}
		return nil
	}); err != nil {
		return 0, err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(old), nil
}

func validSinkName(name string) error {
	if name == "" || strings.ContainsRune(name, 0) {
		return fmt.Errorf("invalid sink name %q", name)
	}
	return nil
}

// SnapshotBytes is the size of the stored snapshot keys and values (for
// capacity planning and the benchmarks), without bbolt's page overhead.
func (t *Tx) SnapshotBytes() int64 {
	var n int64
	_ = t.tx.Bucket(bucketSnapshots).ForEach(func(k, v []byte) error { n += int64(len(k) + len(v)); return nil })
	return n
}
