package splunkhec

import (
	"context"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/batching"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
)

// prepared is a batch encoded into envelopes and cut into requests whose
// bodies are built (gzipped) already, waiting for Send.
type prepared struct {
	s      *Sink
	batch  []exporter.RawRecord
	rej    *splunk.Rejections
	envs   [][]byte
	chunks [][]int
	bodies *batching.Bodies // one per chunk, built ahead
}

var _ exporter.PreparedSend = (*prepared)(nil)

// prepare encodes the records of batch that have JSON (the others are in
// rej already) and builds the bodies of its requests.
func (s *Sink) prepare(batch []exporter.RawRecord, rej *splunk.Rejections) *prepared {
	// every envelope in one buffer: one allocation per batch, not per record
	n := 0
	for i := range batch {
		n += len(batch[i].JSON) + 256
	}
	buf := make([]byte, 0, n)
	ends := make([]int, len(batch))
	for i := range batch {
		if batch[i].JSON != nil {
			var err error
			if buf, err = s.enc.appendRaw(buf, &batch[i]); err != nil {
				rej.Add(err, i)
			}
		}
		ends[i] = len(buf)
	}
	p := &prepared{s: s, batch: batch, rej: rej, envs: make([][]byte, len(batch))}
	sizes := make([]int, len(batch))
	start := 0
	for i, end := range ends {
		p.envs[i], sizes[i] = buf[start:end:end], end-start
		start = end
	}
	p.chunks = batching.Chunks(sizes, s.maxEvents, s.maxBytes, 0)
	p.bodies = batching.NewBodies(p.chunks, func(idxs []int) ([]byte, error) { return s.body(idxs, p.envs) })
	return p
}

// Send delivers the prepared requests: see Sink.Send.
func (p *prepared) Send(ctx context.Context) error {
	s := p.s
	var acks []int64
	post := func(ctx context.Context, idxs []int) splunk.Attempt {
		body, err := p.bodies.Take(idxs)
		a, ackID := s.attempt(ctx, body, err)
		if ackID != nil {
			acks = append(acks, *ackID)
		}
		return a
	}
	if err := splunk.Deliver(ctx, p.chunks, post, p.rej); err != nil {
		return err
	}
	if s.ack != nil && len(acks) > 0 {
		if err := s.waitAcks(ctx, acks); err != nil {
			return err
		}
	}
	return p.rej.Err("splunk HEC", p.batch)
}
