package delivery

import (
	"context"
	"errors"
	"fmt"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// errUndecodable is the dead-letter reason of an outbox entry that no
// longer decodes into a record: a damaged or foreign entry must not block
// the queue, and is never sent.
var errUndecodable = errors.New("undecodable outbox entry")

// batch is one read of the outbox on its way through the pipeline.
type batch struct {
	// items are the entries that decode, in outbox order; recs or raws
	// (whichever the sink takes) hold them for the sink, index for index.
	items []state.RawItem
	recs  []exporter.Record
	raws  []exporter.RawRecord
	// prepared is raws made ready by a RawPreparer sink, ahead of the send.
	prepared exporter.PreparedSend
	// bad are the entries that do not decode.
	bad []state.RawItem
	// last is the sequence of the last entry read; read reads on after it.
	last uint64
	// read counts the entries read; 0 means the outbox holds nothing after
	// the batch before.
	read int
	err  error
	// buf is the array the items' stored bytes were copied into, handed
	// back to the Deliverer (recycle) once the sink is done with them.
	buf []byte
}

// readBatch reads up to BatchSize entries after seq after and sorts them
// into what the sink gets and what is dead-lettered. For a raw sink each
// entry is checked and its head read by recordjson.DecodeStored (the CRC
// and binary head of a framed entry, DecodeHead for a plain JSON one), and
// the sink gets its record JSON (handed to PrepareRaw when the sink
// prepares batches); for any other sink the record JSON
// (recordjson.StoredJSON) is decoded into a Record. Either way an entry
// that fails, or has no id, is bad.
func (d *Deliverer) readBatch(after uint64, raw bool) *batch {
	var items []state.RawItem
	buf := d.reuse()
	err := d.DB.View(func(tx *state.Tx) error {
		var err error
		items, buf, err = tx.PeekRawInto(buf, d.Name, after, d.BatchSize)
		return err
	})
	if err != nil {
		return &batch{err: fmt.Errorf("read outbox %s: %w", d.Name, err)}
	}
	b := &batch{read: len(items), items: items[:0], buf: buf}
	if raw {
		b.raws = make([]exporter.RawRecord, 0, len(items))
	}
	if len(items) > 0 {
		b.last = items[len(items)-1].Seq
	}
	for _, it := range items {
		if raw {
			rr, err := recordjson.DecodeStored(it.Raw)
			if err != nil {
				b.bad = append(b.bad, it)
				continue
			}
			b.raws = append(b.raws, rr)
		} else {
			var r exporter.Record
			js, err := recordjson.StoredJSON(it.Raw)
			if err != nil || recordjson.UnmarshalRecord(js, &r) != nil || r.ID == "" {
				b.bad = append(b.bad, it)
				continue
			}
			b.recs = append(b.recs, r)
		}
		b.items = append(b.items, it)
	}
	if p, ok := d.Sink.(exporter.RawPreparer); ok && raw && len(b.raws) > 0 {
		b.prepared = p.PrepareRaw(b.raws)
	}
	if !raw {
		// the records are decoded: let the stored bytes go
		for i := range b.items {
			b.items[i].Raw = nil
		}
		for i := range b.bad {
			b.bad[i].Raw = nil
		}
		d.recycle(b)
	}
	return b
}

// reuse returns a buffer a batch is done with, or nil.
func (d *Deliverer) reuse() []byte {
	select {
	case buf := <-d.bufs:
		return buf
	default:
		return nil
	}
}

// recycle hands b's buffer back for a later batch to copy its stored bytes
// into: called once nothing reads them any more, after the sink's Send or
// wait returned (a sink keeps a RawRecord's JSON only while it sends it)
// or, for a sink of decoded records, once they are decoded. A commit reads
// only the items' sequences.
func (d *Deliverer) recycle(b *batch) {
	if b.buf == nil {
		return
	}
	select {
	case d.bufs <- b.buf[:0]:
	default:
	}
	b.buf = nil
}

// send hands the batch to the sink, as stored bytes when it takes them,
// prepared when it prepares them.
func (d *Deliverer) send(ctx context.Context, b *batch) error {
	if b.prepared != nil {
		return b.prepared.Send(ctx)
	}
	if rs, ok := d.Sink.(exporter.RawSender); ok {
		return rs.SendRaw(ctx, b.raws)
	}
	return d.Sink.Send(ctx, b.recs)
}

// split divides the batch's items by the indexes a sink rejected.
func (b *batch) split(rejected []int) (good, dead []state.RawItem) {
	bad := make(map[int]bool, len(rejected))
	for _, i := range rejected {
		bad[i] = true
	}
	for i, it := range b.items {
		if bad[i] {
			dead = append(dead, it)
		} else {
			good = append(good, it)
		}
	}
	return good, dead
}
