package state

import (
	"encoding/binary"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
)

// AppendAll adds records to the outbox of every sink in sinks, encoding
// each record once whatever the number of sinks, in its stored form
// (recordjson.MarshalStored: the record JSON behind a binary head and a
// CRC-32C).
// Each outbox gets the records in order; its count is updated once. The
// records are counted in the security overview, sinks or none.
func (t *Tx) AppendAll(sinks []string, recs []exporter.Record) error {
	t.countRecords(recs)
	if len(recs) == 0 || len(sinks) == 0 {
		return nil
	}
	// bbolt keeps the value slices until commit, and nothing writes into
	// them again
	raws := make([][]byte, len(recs))
	for i := range recs {
		raw, err := recordjson.MarshalStored(&recs[i])
		if err != nil {
			return err
		}
		raws[i] = raw
	}
	for _, sink := range sinks {
		n, err := t.count(bucketOutbox, sink)
		if err != nil {
			return err
		}
		b, err := nested(t.tx, bucketOutbox, sink, true)
		if err != nil {
			return err
		}
		for _, raw := range raws {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			// bbolt keeps value slices until commit: raw is never reused
			if err := b.Put(binary.BigEndian.AppendUint64(t.carve(8), seq), raw); err != nil {
				return err
			}
		}
		if err := t.setCount(bucketOutbox, sink, n+len(raws)); err != nil {
			return err
		}
	}
	return nil
}
