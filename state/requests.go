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

// PutRequestSnapshot stores s as the request k's last-seen state.
func (t *Tx) PutRequestSnapshot(k exporter.RequestKey, s exporter.RequestSnapshot) error {
	raw, err := recordjson.MarshalRequestSnapshot(&s)
	if err != nil {
		return err
	}
	b, err := t.tx.CreateBucketIfNotExists(bucketRequests)
	if err != nil {
		return err
	}
	key := requestKey(k)
	prev, had, err := t.requestStatus(b.Get(key), k)
	if err != nil {
		return err
	}
	if !had || prev != s.Status {
		if had {
			t.addOverview(ovKey{ovRequests, k.Kind, k.Target, prev}, -1)
		}
		t.addOverview(ovKey{ovRequests, k.Kind, k.Target, s.Status}, 1)
	}
	return b.Put(key, raw)
}

// DeleteRequestSnapshot forgets the request k.
func (t *Tx) DeleteRequestSnapshot(k exporter.RequestKey) error {
	b := t.tx.Bucket(bucketRequests)
	if b == nil {
		return nil
	}
	key := requestKey(k)
	prev, had, err := t.requestStatus(b.Get(key), k)
	if err != nil {
		return err
	}
	if had {
		t.addOverview(ovKey{ovRequests, k.Kind, k.Target, prev}, -1)
	}
	return b.Delete(key)
}

// requestStatus is the status of a stored request snapshot (raw nil: none),
// which the overview's request counts move from.
func (t *Tx) requestStatus(raw []byte, k exporter.RequestKey) (string, bool, error) {
	if raw == nil {
		return "", false, nil
	}
	s, err := decodeRequestSnapshot(k, raw)
	if err != nil {
		return "", false, err
	}
	return s.Status, true, nil
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
