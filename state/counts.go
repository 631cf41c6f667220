package state

import (
	"encoding/binary"
)

// bucketCounts holds one record count per sink outbox and dead-letter
// bucket, kept in the same transaction as every change to those buckets, so
// the metrics read on every scrape cost one Get instead of a bucket walk.
var bucketCounts = []byte("counts")

func countKey(parent []byte, sink string) []byte {
	k := make([]byte, 0, len(parent)+1+len(sink))
	k = append(k, parent...)
	k = append(k, 0) // sink names hold no NUL (validSinkName)
	return append(k, sink...)
}

// count is the number of records in sink's bucket under parent. A bucket
// without a stored count (a file of schema 1 opened read-only, or one that
// Append created without records) is walked instead.
func (t *Tx) count(parent []byte, sink string) (int, error) {
	if err := validSinkName(sink); err != nil {
		return 0, err
	}
	if cb := t.tx.Bucket(bucketCounts); cb != nil {
		if raw := cb.Get(countKey(parent, sink)); len(raw) == 8 {
			return int(binary.BigEndian.Uint64(raw)), nil
		}
	}
	b, err := nested(t.tx, parent, sink, false)
	if err != nil || b == nil {
		return 0, err
	}
	return b.Stats().KeyN, nil
}

func (t *Tx) setCount(parent []byte, sink string, n int) error {
	if n < 0 {
		n = 0 // unreachable while every mutation keeps its count; never wrap
	}
	return t.tx.Bucket(bucketCounts).Put(countKey(parent, sink), u64(uint64(n)))
}

// migrateCounts (schema 1 → 2) counts every outbox and dead-letter bucket
// once and stores the counts.
func migrateCounts(tx *Tx) error {
	if _, err := tx.tx.CreateBucketIfNotExists(bucketCounts); err != nil {
		return err
	}
	for _, parent := range [][]byte{bucketOutbox, bucketDead} {
		p := tx.tx.Bucket(parent)
		var sinks []string
		if err := p.ForEach(func(k, v []byte) error {
			if v == nil {
				sinks = append(sinks, string(k))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, s := range sinks {
			if err := tx.setCount(parent, s, p.Bucket([]byte(s)).Stats().KeyN); err != nil {
				return err
			}
		}
	}
	return nil
}
