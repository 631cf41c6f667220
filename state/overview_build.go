package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// migrateOverview (schema 2 → 3) builds the security overview of an
// existing file: one walk of its snapshots, on the first open by a version
// that keeps the overview. The snapshots do not keep the creation time, so
// an open critical or high alert is dated by its last update until it
// next changes. The record counts start at zero: the records appended
// before are not kept to be counted.
func migrateOverview(tx *Tx) error {
	for _, name := range [][]byte{bucketOverview, bucketOldest, bucketCreated} {
		if _, err := tx.tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	idx, cb := tx.tx.Bucket(bucketOldest), tx.tx.Bucket(bucketCreated)
	counts, err := tx.recountOverview(func(a ovAlert, k exporter.AlertKey, s *exporter.Snapshot) error {
		at := unixSeconds(s.UpdatedAt)
		if err := idx.Put(oldestKey(a, at, k), nil); err != nil {
			return err
		}
		return cb.Put(snapshotKey(k), u64(at))
	})
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
// counts it gives, calling index with each alert the oldest-alert index
// must hold.
func (t *Tx) recountOverview(index func(a ovAlert, k exporter.AlertKey, s *exporter.Snapshot) error) (map[string]int64, error) {
	byKey := map[ovKey]int64{}
	add := func(k ovKey) { byKey[k]++ }
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
			add(ovKey{ovOpen, a.source, a.severity, a.org})
		}
		if a.live {
			add(ovKey{kind: ovLive, a: a.org})
		}
		if a.indexed() {
			if err := index(a, key, &s); err != nil {
				return nil, err
			}
		}
	}
	if rb := t.tx.Bucket(bucketRequests); rb != nil {
		err := rb.ForEach(func(k, v []byte) error {
			key, ok := parseRequestKey(k)
			if !ok {
				return fmt.Errorf("corrupt request key %q", k)
			}
			s, err := decodeRequestSnapshot(key, v)
			if err != nil {
				return err
			}
			add(ovKey{ovRequests, key.Kind, key.Target, s.Status})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	counts := make(map[string]int64, len(byKey))
	for k, n := range byKey {
		counts[k.bucketKey()] = n
	}
	return counts, nil
}

// CheckOverview recounts the overview from the snapshots (a walk of every
// one) and reports the differences from the stored one as an error; the
// record counts, which no walk can rebuild, are not checked, nor the
// creation times, which the snapshots do not keep. For tests (no command
// calls it), never a scrape.
func (t *Tx) CheckOverview() error {
	b, idx, cb := t.tx.Bucket(bucketOverview), t.tx.Bucket(bucketOldest), t.tx.Bucket(bucketCreated)
	if b == nil || idx == nil || cb == nil {
		return fmt.Errorf("the state file keeps no overview")
	}
	// the index prefix (org, severity) each indexed alert must have
	want := map[string]string{}
	counts, err := t.recountOverview(func(a ovAlert, k exporter.AlertKey, _ *exporter.Snapshot) error {
		want[string(snapshotKey(k))] = string(oldestPrefix(a.org, a.severity))
		return nil
	})
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
	indexed := map[string]bool{}
	_ = idx.ForEach(func(k, _ []byte) error {
		org, rest, _ := bytes.Cut(k, []byte{0})
		sev, rest, _ := bytes.Cut(rest, []byte{0})
		if len(rest) < 8 {
			diffs = append(diffs, fmt.Sprintf("index key %q is corrupt", k))
			return nil
		}
		sk, prefix := string(rest[8:]), string(oldestPrefix(string(org), string(sev)))
		if want[sk] != prefix {
			diffs = append(diffs, fmt.Sprintf("index key %q matches no open critical or high alert", k))
		} else if raw := cb.Get([]byte(sk)); !bytes.Equal(raw, rest[:8]) {
			diffs = append(diffs, fmt.Sprintf("index key %q has no creation time %x", k, raw))
		}
		indexed[sk] = true
		return nil
	})
	for sk := range want {
		if !indexed[sk] {
			diffs = append(diffs, fmt.Sprintf("index lacks %q", sk))
		}
	}
	_ = cb.ForEach(func(k, _ []byte) error {
		if _, ok := want[string(k)]; !ok {
			diffs = append(diffs, fmt.Sprintf("creation time of %q, which is not indexed", k))
		}
		return nil
	})
	if len(diffs) > 0 {
		slices.Sort(diffs)
		return fmt.Errorf("overview differs from the snapshots: %s", strings.Join(diffs, "; "))
	}
	return nil
}
