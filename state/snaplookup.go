package state

import (
	"bytes"
	"fmt"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// LookupSnapshots looks up n keys, key(0) … key(n-1), and calls fn for each
// in turn with its stored snapshot, or nil when the key is untracked. It
// gives what Snapshot gives, for any order of keys, but keys sorted like
// the bucket (source, repo, number) are found by walking one cursor: a key
// that falls before the next stored key is untracked without a search of
// the tree, which is most of a backfill. Nothing may be written to the
// snapshots until it returns (a write moves the cursor's pages); fn gets a
// snapshot it may keep.
func (t *Tx) LookupSnapshots(n int, key func(i int) exporter.AlertKey, fn func(i int, s *exporter.Snapshot) error) error {
	if t.snapCur == nil {
		t.snapCur = t.snapshots().Cursor()
	}
	var k, from, at, val []byte
	sought := false
	for i := range n {
		ak := key(i)
		k = appendSnapshotKey(k[:0], ak)
		// every stored key in [from, at) is known absent (at nil: none
		// after from); seek anew when k falls outside
		if !sought || bytes.Compare(k, from) < 0 || (at != nil && bytes.Compare(k, at) > 0) {
			at, val = t.snapCur.Seek(k)
			from = append(from[:0], k...)
			sought = true
		}
		if at == nil || val == nil || !bytes.Equal(k, at) {
			if err := fn(i, nil); err != nil {
				return err
			}
			continue
		}
		s := new(exporter.Snapshot)
		if err := decodeSnapshot(val, s); err != nil {
			return fmt.Errorf("decode snapshot %s %s#%d: %w", ak.Source, ak.Repo, ak.Number, err)
		}
		if err := fn(i, s); err != nil {
			return err
		}
	}
	return nil
}
