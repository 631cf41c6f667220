package state

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
)

// bucketRequests holds the request snapshots, apart from the alert
// snapshots so that no alert key, walk or count changes. It is created by
// the first write: a file from before requests were tracked opens as it is
// and simply has none.
var bucketRequests = []byte("requests")

// requestKey orders keys by kind, target, scope, then number.
func requestKey(k exporter.RequestKey) []byte {
	b := make([]byte, 0, len(k.Kind)+len(k.Target)+len(k.Scope)+11)
	b = append(append(b, k.Kind...), 0)
	b = append(append(b, k.Target...), 0)
	b = append(append(b, k.Scope...), 0)
	return binary.BigEndian.AppendUint64(b, uint64(k.Number))
}

func parseRequestKey(b []byte) (exporter.RequestKey, bool) {
	parts := bytes.SplitN(b, []byte{0}, 4)
	if len(parts) != 4 || len(parts[3]) != 8 {
		return exporter.RequestKey{}, false
	}
	return exporter.RequestKey{Kind: string(parts[0]), Target: string(parts[1]), Scope: string(parts[2]),
		Number: int(binary.BigEndian.Uint64(parts[3]))}, true
}

// RequestSnapshot returns the stored snapshot of the request k, or ok=false
// when it is untracked.
func (t *Tx) RequestSnapshot(k exporter.RequestKey) (s exporter.RequestSnapshot, ok bool, err error) {
	b := t.tx.Bucket(bucketRequests)
	if b == nil {
		return s, false, nil
	}
	raw := b.Get(requestKey(k))
	if raw == nil {
		return s, false, nil
	}
	if s, err = decodeRequestSnapshot(k, raw); err != nil {
		return s, false, err
	}
	return s, true, nil
}

// decodeRequestSnapshot reads the stored snapshot of the request k.
func decodeRequestSnapshot(k exporter.RequestKey, raw []byte) (s exporter.RequestSnapshot, err error) {
	if err := recordjson.UnmarshalRequestSnapshot(raw, &s); err != nil {
		return s, fmt.Errorf("decode request snapshot %s %s %s#%d: %w", k.Kind, k.Target, k.Scope, k.Number, err)
	}
	return s, nil
}

// PutRequestSnapshot stores s as the request k's last-seen state:
// PutRequestSnapshotOver what is stored under k.
func (t *Tx) PutRequestSnapshot(k exporter.RequestKey, s exporter.RequestSnapshot) error {
	prev, ok, err := t.RequestSnapshot(k)
	if err != nil {
		return err
	}
	if !ok {
		return t.PutRequestSnapshotOver(k, nil, s)
	}
	return t.PutRequestSnapshotOver(k, &prev, s)
}

// PutRequestSnapshotOver stores s as the request k's last-seen state, and
// moves the request in the security overview's request counts from prev's
// status, for a caller that has just read what is stored under k: prev
// must be it (nil: k is untracked), or the counts drift. It saves the diff
// of a request list a second lookup and decode of every changed request.
func (t *Tx) PutRequestSnapshotOver(k exporter.RequestKey, prev *exporter.RequestSnapshot, s exporter.RequestSnapshot) error {
	raw, err := recordjson.MarshalRequestSnapshot(&s)
	if err != nil {
		return err
	}
	b, err := t.tx.CreateBucketIfNotExists(bucketRequests)
	if err != nil {
		return err
	}
	if prev == nil || prev.Status != s.Status {
		if prev != nil {
			t.addOverview(ovKey{ovRequests, k.Kind, k.Target, prev.Status}, -1)
		}
		t.addOverview(ovKey{ovRequests, k.Kind, k.Target, s.Status}, 1)
	}
	return b.Put(requestKey(k), raw)
}

// DeleteRequestSnapshot forgets the request k, and takes it out of the
// security overview's request counts.
func (t *Tx) DeleteRequestSnapshot(k exporter.RequestKey) error {
	prev, ok, err := t.RequestSnapshot(k)
	if err != nil || !ok {
		return err
	}
	t.addOverview(ovKey{ovRequests, k.Kind, k.Target, prev.Status}, -1)
	return t.tx.Bucket(bucketRequests).Delete(requestKey(k))
}

// ForEachRequestSnapshot walks every request snapshot in key order.
func (t *Tx) ForEachRequestSnapshot(fn func(k exporter.RequestKey, s exporter.RequestSnapshot) error) error {
	b := t.tx.Bucket(bucketRequests)
	if b == nil {
		return nil
	}
	return b.ForEach(func(kb, v []byte) error {
		k, ok := parseRequestKey(kb)
		if !ok {
			return fmt.Errorf("corrupt request snapshot key %q", kb)
		}
		s, err := decodeRequestSnapshot(k, v)
		if err != nil {
			return err
		}
		return fn(k, s)
	})
}
