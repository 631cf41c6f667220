package email

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Layout of the sink's bucket. Digest entries are keyed by period, then by a
// sequence number, so a period is a contiguous key range and cutting it is
// one counter increment: every Send after the cut writes past the boundary.
//
//	m/period   current period number (u64, starts at 1)
//	m/seq      last sequence number (u64)
//	m/since    start of the undelivered span: when the last digest was accepted (unix ms)
//	m/pending  the cut being mailed: last period included (u64) + cut time (unix ms)
//	d<period><seq>  digest entry
//	i<seq>          immediate entry: queued time (unix ms) + entry
var (
	keyPeriod  = []byte("m/period")
	keySeq     = []byte("m/seq")
	keySince   = []byte("m/since")
	keyPending = []byte("m/pending")
	prefDigest = []byte("d")
	prefImmed  = []byte("i")
)

// errStop ends a ForEach early.
var errStop = errors.New("stop")

// store is the sink's view of its bucket.
type store struct {
	db   exporter.SinkStore
	name string
}

// span is a cut of the digest: every period up to UpTo, covering the time
// from Start (the last accepted digest) to End (the cut).
type span struct {
	UpTo       uint64
	Start, End time.Time
}

func getU64(kv exporter.KV, k []byte, def uint64) uint64 {
	if v := kv.Get(k); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return def
}

func putU64(kv exporter.KV, k []byte, v uint64) error {
	return kv.Put(k, binary.BigEndian.AppendUint64(nil, v))
}

func digestKey(period, seq uint64) []byte {
	b := append(make([]byte, 0, 17), prefDigest...)
	b = binary.BigEndian.AppendUint64(b, period)
	return binary.BigEndian.AppendUint64(b, seq)
}

func immedKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append(make([]byte, 0, 9), prefImmed...), seq)
}

// init records the start of the first period, so the first digest says
// since when it counts.
func (s *store) init(now time.Time) error {
	return s.db.SinkUpdate(s.name, func(kv exporter.KV) error {
		if kv.Get(keySince) != nil {
			return nil
		}
		return putU64(kv, keySince, uint64(now.UnixMilli()))
	})
}

// appendBatch stores batch in the current period and queues the records
// whose action is in immediate, all in one transaction. It returns how many
// were queued for immediate mail.
func (s *store) appendBatch(batch []exporter.Record, immediate map[string]bool, now time.Time) (int, error) {
	queued := 0
	err := s.db.SinkUpdate(s.name, func(kv exporter.KV) error {
		queued = 0
		period := getU64(kv, keyPeriod, 1)
		seq := getU64(kv, keySeq, 0)
		for i := range batch {
			seq++
			e := entryOf(batch[i])
			// bbolt keeps value slices until commit: one buffer per record.
			buf := e.append(make([]byte, 0, 128))
			if err := kv.Put(digestKey(period, seq), buf); err != nil {
				return err
			}
			if immediate[e.Action] {
				v := binary.AppendVarint(make([]byte, 0, len(buf)+10), now.UnixMilli())
				if err := kv.Put(immedKey(seq), append(v, buf...)); err != nil {
					return err
				}
				queued++
			}
		}
		return putU64(kv, keySeq, seq)
	})
	return queued, err
}

// cut closes the current period for records and returns the span to mail:
// every open period so far, including ones whose digest failed before.
func (s *store) cut(now time.Time) (span, error) {
	var sp span
	err := s.db.SinkUpdate(s.name, func(kv exporter.KV) error {
		p := getU64(kv, keyPeriod, 1)
		sp = span{UpTo: p, Start: time.UnixMilli(int64(getU64(kv, keySince, uint64(now.UnixMilli())))), End: now}
		if err := putU64(kv, keyPeriod, p+1); err != nil {
			return err
		}
		return kv.Put(keyPending, encodeSpan(sp))
	})
	return sp, err
}

// pending returns a cut whose digest was not confirmed as accepted (the
// process stopped while mailing it).
func (s *store) pending() (span, bool, error) {
	var sp span
	var ok bool
	err := s.db.SinkView(s.name, func(kv exporter.KV) error {
		sp, ok = decodeSpan(kv.Get(keyPending))
		return nil
	})
	return sp, ok, err
}

// forEachEntry calls fn for every digest entry of the periods up to upTo.
// An entry that does not decode is counted and skipped: one bad value must
// not hold back every later digest.
func (s *store) forEachEntry(upTo uint64, fn func(e *entry) error) (corrupt int, err error) {
	err = s.db.SinkView(s.name, func(kv exporter.KV) error {
		var e entry
		err := kv.ForEach(prefDigest, func(k, v []byte) error {
			if len(k) != 17 || binary.BigEndian.Uint64(k[1:9]) > upTo {
				return errStop
			}
			if err := e.decode(v); err != nil {
				corrupt++
				return nil
			}
			return fn(&e)
		})
		if errors.Is(err, errStop) {
			return nil
		}
		return err
	})
	return corrupt, err
}

// closeSpan deletes the mailed periods; advance starts the next span at
// the cut (a skipped empty digest does not, so the next one counts from the
// last digest actually sent).
func (s *store) closeSpan(sp span, advance bool) error {
	return s.db.SinkUpdate(s.name, func(kv exporter.KV) error {
		var keys [][]byte
		err := kv.ForEach(prefDigest, func(k, _ []byte) error {
			if len(k) != 17 || binary.BigEndian.Uint64(k[1:9]) > sp.UpTo {
				return errStop
			}
			keys = append(keys, append([]byte(nil), k...))
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			return err
		}
		for _, k := range keys {
			if err := kv.Delete(k); err != nil {
				return err
			}
		}
		if advance {
			if err := putU64(kv, keySince, uint64(sp.End.UnixMilli())); err != nil {
				return err
			}
		}
		return kv.Delete(keyPending)
	})
}

func encodeSpan(sp span) []byte {
	b := binary.BigEndian.AppendUint64(nil, sp.UpTo)
	b = binary.BigEndian.AppendUint64(b, uint64(sp.Start.UnixMilli()))
	return binary.BigEndian.AppendUint64(b, uint64(sp.End.UnixMilli()))
}

func decodeSpan(b []byte) (span, bool) {
	if len(b) != 24 {
		return span{}, false
	}
	return span{
		UpTo:  binary.BigEndian.Uint64(b),
		Start: time.UnixMilli(int64(binary.BigEndian.Uint64(b[8:]))),
		End:   time.UnixMilli(int64(binary.BigEndian.Uint64(b[16:]))),
	}, true
}
