package state

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"slices"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	bolt "go.etcd.io/bbolt"
)

// Item is one record waiting in an outbox, decoded (Peek), with its
// position.
type Item struct {
	Seq    uint64
	Record exporter.Record
}

// RawItem is one record waiting in an outbox as stored (PeekRaw), with
// its position: what the delivery loop reads, ten times smaller than an
// Item.
type RawItem struct {
	Seq uint64
	// Raw is the stored entry, copied out of the transaction: a framed
	// entry (recordjson.MarshalStored) or, written by an earlier version or
	// put back by Requeue, plain record JSON. recordjson.StoredJSON gives
	// the record JSON of either, recordjson.DecodeStored checks it and
	// reads its head.
	Raw []byte
}

func nested(tx *bolt.Tx, parent []byte, name string, create bool) (*bolt.Bucket, error) {
	err := validSinkName(name)
	if err != nil {
		return nil, err
	}
	p := tx.Bucket(parent)
	var b *bolt.Bucket
	if !create {
		b = p.Bucket([]byte(name))
	} else if b, err = p.CreateBucketIfNotExists([]byte(name)); err != nil {
		return nil, err
	}
	if b != nil && (bytes.Equal(parent, bucketOutbox) || bytes.Equal(parent, bucketDead)) {
		// Outbox and dead-letter keys are sequence numbers, so new keys land
		// on the last page: splitting it full instead of half full halves
		// the file for a queued backlog.
		b.FillPercent = 1.0
	}
	return b, nil
}

// Append adds records to sink's outbox (AppendAll for one sink).
func (t *Tx) Append(sink string, recs ...exporter.Record) error {
	return t.AppendAll([]string{sink}, recs)
}

// Peek returns up to max records from the head of sink's outbox, decoded
// from their record JSON (recordjson.StoredJSON, so framed and plain
// entries alike). A record that does not decode, or a framed entry whose
// CRC does not check, is returned with only Seq and a zero Record so the
// caller can dead-letter it instead of blocking the queue.
func (t *Tx) Peek(sink string, max int) ([]Item, error) {
	b, err := nested(t.tx, bucketOutbox, sink, false)
	if err != nil || b == nil {
		return nil, err
	}
	var out []Item
	c := b.Cursor()
	for k, v := c.First(); k != nil && len(out) < max; k, v = c.Next() {
		it := Item{Seq: binary.BigEndian.Uint64(k)}
		js, err := recordjson.StoredJSON(v)
		if err != nil || recordjson.UnmarshalRecord(js, &it.Record) != nil {
			it.Record = exporter.Record{}
		}
		out = append(out, it)
	}
	return out, nil
}

// PeekRaw returns up to max records of sink's outbox that come after seq
// after (0: from the head), undecoded: each Item's Raw is the stored value
// as it is, copied out of the transaction so it outlives it (all of a
// call's values share one allocation). That value is a framed entry
// (recordjson.MarshalStored: 0x01, a CRC-32C, a binary head, the record
// JSON) or plain record JSON (an earlier version's entry, or one Requeue
// put back): read it with recordjson.DecodeStored (check and head) or
// recordjson.StoredJSON (the record JSON), never as JSON directly. A
// delivery loop with batches in flight reads on from the last one it
// read, and decodes or checks the entries itself.
func (t *Tx) PeekRaw(sink string, after uint64, max int) ([]RawItem, error) {
	items, _, err := t.PeekRawInto(nil, sink, after, max)
	return items, err
}

// PeekRawInto is PeekRaw copying the values into buf's array when they fit
// in its capacity, into a new array otherwise, which it returns (empty,
// for the next call): a caller reuses a batch's buffer once it is done with
// the batch's values instead of allocating one a batch.
func (t *Tx) PeekRawInto(buf []byte, sink string, after uint64, max int) ([]RawItem, []byte, error) {
	b, err := nested(t.tx, bucketOutbox, sink, false)
	if err != nil || b == nil {
		return nil, buf[:0], err
	}
	out := make([]RawItem, 0, min(max, 4096))
	var size int
	c := b.Cursor()
	k, v := c.Seek(u64(after + 1))
	if after == ^uint64(0) {
		k = nil // no sequence comes after the last
	}
	for ; k != nil && len(out) < max; k, v = c.Next() {
		out = append(out, RawItem{Seq: binary.BigEndian.Uint64(k), Raw: v})
		size += len(v)
	}
	buf = buf[:0]
	if cap(buf) < size {
		buf = make([]byte, 0, size)
	}
	for i := range out {
		n := len(buf)
		buf = append(buf, out[i].Raw...)
		out[i].Raw = buf[n:len(buf):len(buf)]
	}
	return out, buf[:0], nil
}

// Ack removes delivered records from sink's outbox.
func (t *Tx) Ack(sink string, seqs ...uint64) error {
	b, err := nested(t.tx, bucketOutbox, sink, false)
	if err != nil || b == nil {
		return err
	}
	n, err := t.count(bucketOutbox, sink)
	if err != nil {
		return err
	}
	// From the last sequence to the first: bbolt removes a key from its
	// node by moving the keys after it, so a batch acked from its head
	// would move most of each node once a key; acked from its tail,
	// nothing moves. A batch's sequences are mostly consecutive, so the
	// cursor steps back to the next one (Delete leaves it where Prev finds
	// the key before) and seeks only where that is not it.
	c := b.Cursor()
	var at []byte // the key under the cursor, nil when it must seek
	for _, s := range slices.Backward(slices.Sorted(slices.Values(seqs))) {
		key := u64(s)
		if at != nil {
			at, _ = c.Prev()
		}
		if !bytes.Equal(at, key) {
			at, _ = c.Seek(key)
		}
		if !bytes.Equal(at, key) {
			at = nil
			continue // acked twice: counted once
		}
		if err := c.Delete(); err != nil {
			return err
		}
		n--
	}
	return t.setCount(bucketOutbox, sink, n)
}

// DeadLetter moves records from sink's outbox to its dead-letter bucket,
// keeping the reason and the record: the record JSON of a framed entry
// whose CRC checks, else the stored bytes (as JSON when they are, quoted as
// a JSON string otherwise: a damaged framed entry is kept whole).
func (t *Tx) DeadLetter(sink, reason string, seqs ...uint64) error {
	ob, err := nested(t.tx, bucketOutbox, sink, false)
	if err != nil || ob == nil {
		return err
	}
	nOut, err := t.count(bucketOutbox, sink)
	if err != nil {
		return err
	}
	nDead, err := t.count(bucketDead, sink)
	if err != nil {
		return err
	}
	db, err := nested(t.tx, bucketDead, sink, true)
	if err != nil {
		return err
	}
	for _, s := range seqs {
		raw := ob.Get(u64(s))
		if raw == nil {
			continue
		}
		if js, err := recordjson.StoredJSON(raw); err == nil {
			raw = js
		}
		entry, err := json.Marshal(struct {
			Reason string          `json:"reason"`
			Record json.RawMessage `json:"record"`
		}{reason, validJSON(raw)})
		if err != nil {
			return err
		}
		if db.Get(u64(s)) == nil {
			nDead++
		}
		if err := db.Put(u64(s), entry); err != nil {
			return err
		}
		if err := ob.Delete(u64(s)); err != nil {
			return err
		}
		nOut--
	}
	if err := t.setCount(bucketOutbox, sink, nOut); err != nil {
		return err
	}
	return t.setCount(bucketDead, sink, nDead)
}

func validJSON(raw []byte) json.RawMessage {
	if json.Valid(raw) {
		return append(json.RawMessage(nil), raw...)
	}
	q, _ := json.Marshal(string(raw))
	return q
}

// Pending counts the records in sink's outbox (0 when it has none yet). It
// fails only on an invalid sink name.
func (t *Tx) Pending(sink string) (int, error) {
	return t.count(bucketOutbox, sink)
}

// DeadCount counts the records in sink's dead-letter bucket (0 when it has
// none yet). It fails only on an invalid sink name.
func (t *Tx) DeadCount(sink string) (int, error) {
	return t.count(bucketDead, sink)
}

// ForEachDead walks sink's dead-letter entries (reason + record JSON).
func (t *Tx) ForEachDead(sink string, fn func(seq uint64, entry []byte) error) error {
	b, err := nested(t.tx, bucketDead, sink, false)
	if err != nil || b == nil {
		return err
	}
	return b.ForEach(func(k, v []byte) error { return fn(binary.BigEndian.Uint64(k), v) })
}

// Requeue moves every dead-letter entry of sink back to its outbox (state
// command, after the operator fixed the cause) and returns how many. It
// puts back the dead letter's record as it holds it, plain record JSON (a
// damaged entry's quoted bytes, which fail again): the delivery loop reads
// a plain entry as it reads an earlier version's, so nothing re-frames it.
func (t *Tx) Requeue(sink string) (int, error) {
	db, err := nested(t.tx, bucketDead, sink, false)
	if err != nil || db == nil {
		return 0, err
	}
	nOut, err := t.count(bucketOutbox, sink)
	if err != nil {
		return 0, err
	}
	ob, err := nested(t.tx, bucketOutbox, sink, true)
	if err != nil {
		return 0, err
	}
	var keys [][]byte
	err = db.ForEach(func(k, v []byte) error {
		var e struct {
			Record json.RawMessage `json:"record"`
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		seq, err := ob.NextSequence()
		if err != nil {
			return err
		}
		keys = append(keys, append([]byte(nil), k...))
		return ob.Put(u64(seq), e.Record)
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := db.Delete(k); err != nil {
			return 0, err
		}
	}
	if err := t.setCount(bucketOutbox, sink, nOut+len(keys)); err != nil {
		return 0, err
	}
	return len(keys), t.setCount(bucketDead, sink, 0)
}

// Sinks lists the sink names that have an outbox or dead-letter bucket.
func (t *Tx) Sinks() []string {
	seen := map[string]bool{}
	var out []string
	for _, parent := range [][]byte{bucketOutbox, bucketDead} {
		_ = t.tx.Bucket(parent).ForEach(func(k, v []byte) error {
			if v == nil && !seen[string(k)] {
				seen[string(k)] = true
				out = append(out, string(k))
			}
			return nil
		})
	}
	return out
}
