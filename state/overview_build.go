package state

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// migrateOverview (schema 2 → 3) builds the security overview of an
// existing file: one walk of its snapshots, on the first open by a version
// that keeps the overview. The record counts start at zero: the records
// appended before are not kept to be counted.
func migrateOverview(tx *Tx) error {
	for _, name := range [][]byte{bucketOverview, bucketOldest} {
		if _, err := tx.tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	idx := tx.tx.Bucket(bucketOldest)
	counts, err := tx.recountOverview(func(key []byte) error { return idx.Put(key, nil) })
	if err != nil {
		return err
	}
	b := tx.tx.Bucket(bucketOverview)
	for k, n := range counts {
		if err := b.Put([]byte(k), u64(uint64(n))); err != nil {
			return err
		}
	}
	return nil
}

// recountOverview walks every snapshot and returns the open and live
// counts it gives, calling index with each key the oldest-alert index must
// hold.
func (t *Tx) recountOverview(index func(key []byte) error) (map[string]int64, error) {
	counts := map[string]int64{}
	c := t.tx.Bucket(bucketSnapshots).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		key, ok := parseSnapshotKey(k)
		if !ok {
			return nil, fmt.Errorf("corrupt snapshot key %q", k)
		}
		var s exporter.Snapshot
		if err := decodeSnapshot(v, &s); err != nil {
			return nil, fmt.Errorf("decode snapshot %s %s#%d: %w", key.Source, key.Repo, key.Number, err)
		}
		a, ok := ovOf(key, &s)
		if !ok {
			continue
		}
		if a.open {
			counts[overviewKey(ovOpen, a.source, a.severity, a.org)]++
		}
		if a.live {
			counts[overviewKey(ovLive, a.org)]++
		}
		if a.indexed() {
			if err := index(oldestKey(a, key)); err != nil {
				return nil, err
			}
		}
	}
	return counts, nil
}

// CheckOverview recounts the overview from the snapshots (a walk of every
// one) and reports the first difference from the stored one as an error;
// the record counts, which no walk can rebuild, are not checked. For tests
// and the state check command, never a scrape.
func (t *Tx) CheckOverview() error {
	b, idx := t.tx.Bucket(bucketOverview), t.tx.Bucket(bucketOldest)
	if b == nil || idx == nil {
		return fmt.Errorf("the state file keeps no overview")
	}
	want := map[string]bool{}
	counts, err := t.recountOverview(func(key []byte) error { want[string(key)] = true; return nil })
	if err != nil {
		return err
	}
	var diffs []string
	stored := map[string]int64{}
	_ = b.ForEach(func(k, v []byte) error {
		if !strings.HasPrefix(string(k), ovRecords+"\x00") && len(v) == 8 {
			stored[string(k)] = int64(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	for k, n := range stored {
		if n != counts[k] {
			diffs = append(diffs, fmt.Sprintf("count %q is %d, the snapshots give %d", k, n, counts[k]))
		}
	}
	for k, n := range counts {
		if _, ok := stored[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("count %q is missing, the snapshots give %d", k, n))
		}
	}
	_ = idx.ForEach(func(k, _ []byte) error {
		if !want[string(k)] {
			diffs = append(diffs, fmt.Sprintf("index key %q matches no open critical or high alert", k))
		}
		delete(want, string(k))
		return nil
	})
	for k := range want {
		diffs = append(diffs, fmt.Sprintf("index key %q is missing", k))
	}
	if len(diffs) > 0 {
		slices.Sort(diffs)
		return fmt.Errorf("overview differs from the snapshots: %s", strings.Join(diffs, "; "))
	}
	return nil
}
