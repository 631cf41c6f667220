package email

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Layout of the sink's bucket. Digest entries are keyed by period, then by a
// sequence number, so a period is a contiguous key range and cutting it is
// one counter increment: every Send after the cut writes past the boundary.
// Closing a mailed span is one counter too (m/closed); its entries are
// garbage from then on, deleted afterwards in small transactions (prune).
//
//	m/period   current period number (u64, starts at 1)
//	m/seq      last sequence number (u64)
//	m/since    start of the undelivered span: when the last digest was accepted (unix ms)
//	m/pending  the cut being mailed: last period included (u64) + cut time (unix ms)
//	m/closed   last period whose digest was accepted or skipped (u64, 0: none)
//	e<period><seq>  digest entry
//	x<time><id>     record seen: the period (u64) of the entry holding it
//	i<seq>          immediate entry: queued time (unix ms) + entry
//	d<period><seq>  a digest entry of the layout before the id index, moved to e<…> at start
var (
	keyPeriod  = []byte("m/period")
	keySeq     = []byte("m/seq")
	keySince   = []byte("m/since")
	keyPending = []byte("m/pending")
	keyClosed  = []byte("m/closed")
	prefDigest = []byte("e")
	prefSeen   = []byte("x")
	prefImmed  = []byte("i")
	prefLegacy = []byte("d")
)

// errStop ends a ForEach early.
var errStop = errors.New("stop")

// store is the sink's view of its bucket.
type store struct {
	db   exporter.SinkStore
	name string
	// chunk is how many entries one pruning or migrating transaction
	// handles: the transaction's pages stay in memory until it commits.
	chunk int
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

// periodPrefix is the key prefix of one period's digest entries.
func periodPrefix(period uint64) []byte {
	return binary.BigEndian.AppendUint64(append(make([]byte, 0, 9), prefDigest...), period)
}

func immedKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append(make([]byte, 0, 9), prefImmed...), seq)
}

// seenKey is the index key of a record, nil for one without an id: its
// event time, then its id. A redelivery is the same record, so it has the
// same time; leading with the time keeps the keys one batch writes close
// together (records arrive roughly in time order), instead of spreading
// every batch over the whole index as ids, which are hashes, would. The
// exporter's ids are 32 hex digits, stored as their 16 bytes; any other id
// is kept as it is, under a different tag so the two forms never collide.
func seenKey(id string, unixMilli int64) []byte {
	if id == "" {
		return nil
	}
	b := make([]byte, 0, 10+max(16, len(id)))
	raw, err := hex.DecodeString(id)
	// Only the canonical form: "ABC…" and "abc…" are different ids.
	if len(id) == 32 && err == nil && hex.EncodeToString(raw) == id {
		b = append(b, prefSeen[0], 1)
	} else {
		b, raw = append(b, prefSeen[0], 2), []byte(id)
	}
	// The sign bit flipped, times before 1970 sort first.
	b = binary.BigEndian.AppendUint64(b, uint64(unixMilli)^1<<63)
	return append(b, raw...)
}

// seenOpen reports whether the index holds key for a period not yet closed.
func seenOpen(kv exporter.KV, key []byte, closed uint64) bool {
	v := kv.Get(key)
	return len(v) == 8 && binary.BigEndian.Uint64(v) > closed
}

// init records the start of the first period, so the first digest says
// since when it counts, and moves entries of the old layout.
func (s *store) init(now time.Time) error {
	if err := s.db.SinkUpdate(s.name, func(kv exporter.KV) error {
		if kv.Get(keySince) != nil {
			return nil
		}
		return putU64(kv, keySince, uint64(now.UnixMilli()))
	}); err != nil {
		return err
	}
	return s.migrate()
}

// appendBatch stores batch in the current period and queues the records
// whose action is in immediate, all in one transaction. A record whose id
// an open period already holds is a redelivery and is dropped, so a digest
// counts it once without holding ids in memory. It returns how many records
// were queued for immediate mail and how many were dropped.
func (s *store) appendBatch(batch []exporter.Record, immediate map[string]bool, now time.Time) (queued, dups int, err error) {
	err = s.db.SinkUpdate(s.name, func(kv exporter.KV) error {
		queued, dups = 0, 0
		period := getU64(kv, keyPeriod, 1)
		closed := getU64(kv, keyClosed, 0)
		seq := getU64(kv, keySeq, 0)
		var periodVal []byte
		for i := range batch {
			e := entryOf(batch[i])
			sk := seenKey(e.ID, stampOf(e.Time))
			if sk != nil {
				if seenOpen(kv, sk, closed) {
					dups++
					continue
				}
				if periodVal == nil {
					periodVal = binary.BigEndian.AppendUint64(nil, period)
				}
				if err := kv.Put(sk, periodVal); err != nil {
					return err
				}
			}
			seq++
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
	return queued, dups, err
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

// forEachEntry calls fn for every digest entry of the open periods up to
// upTo, in the order they were stored. An entry that does not decode is
// counted and skipped: one bad value must not hold back every later digest.
func (s *store) forEachEntry(upTo uint64, fn func(e *entry) error) (corrupt int, err error) {
	var e entry
	err = s.forEachValue(upTo, func(v []byte) error {
		if err := e.decode(v); err != nil {
			corrupt++
			return nil
		}
		return fn(&e)
	})
	return corrupt, err
}

// forEachValue calls fn with the encoded value of every digest entry of the
// open periods up to upTo; v is valid only during the call.
func (s *store) forEachValue(upTo uint64, fn func(v []byte) error) error {
	return s.db.SinkView(s.name, func(kv exporter.KV) error {
		for p := getU64(kv, keyClosed, 0) + 1; p <= upTo; p++ {
			if err := kv.ForEach(periodPrefix(p), func(k, v []byte) error {
				if len(k) != 17 {
					return fn(nil) // decodes as corrupt
				}
				return fn(v)
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

// closeSpan marks the mailed periods closed; advance starts the next span at
// the cut (a skipped empty digest does not, so the next one counts from the
// last digest actually sent). It is one small transaction however many
// records the span holds; prune deletes them afterwards.
func (s *store) closeSpan(sp span, advance bool) error {
	return s.db.SinkUpdate(s.name, func(kv exporter.KV) error {
		if sp.UpTo > getU64(kv, keyClosed, 0) {
			if err := putU64(kv, keyClosed, sp.UpTo); err != nil {
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
