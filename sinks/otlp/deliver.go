package otlp

import (
	"context"
	"fmt"
	"net/http"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/batching"
)

// prepared is a batch rendered into items and cut into requests whose
// bodies are built (compressed) already, waiting for Send.
type prepared struct {
	s      *Sink
	batch  []exporter.RawRecord
	rej    *batching.Rejections
	items  []item
	chunks [][]int
	bodies *batching.Bodies // one per chunk, built ahead
}

var _ exporter.PipelinedSend = (*prepared)(nil)

// Start sends the prepared requests in the background and returns the
// wait for their outcome (Send's). OTLP gives log records no order, and
// the sink keeps no per-batch state: the delivery loop may have a second
// batch in flight meanwhile.
func (p *prepared) Start(ctx context.Context) func() error {
	done := make(chan error, 1)
	go func() { done <- p.Send(ctx) }()
	return func() error { return <-done }
}

// prepare renders the records of batch that have JSON (the others are in
// rej already) and builds the bodies of its requests.
func (s *Sink) prepare(batch []exporter.RawRecord, rej *batching.Rejections) *prepared {
	p := &prepared{s: s, batch: batch, rej: rej, items: make([]item, len(batch))}
	sizes := make([]int, len(batch))
	for i := range batch {
		if batch[i].JSON == nil {
			continue
		}
		it, err := render(&batch[i], s.opts)
		if err != nil {
			rej.Add(err, i)
			continue
		}
		p.items[i], sizes[i] = it, it.size()
	}
	p.chunks = batching.Chunks(sizes, s.maxItems, s.maxBytes, 0)
	p.bodies = batching.NewBodies(p.chunks, func(idxs []int) ([]byte, error) { return s.body(p.items, idxs) })
	return p
}

// Send delivers the prepared requests: see Sink.SendRaw.
func (p *prepared) Send(ctx context.Context) error {
	for _, c := range p.chunks {
		if err := p.bisect(ctx, c); err != nil {
			return err
		}
	}
	return p.rej.Err("could not deliver", len(p.batch), func(i int) string { return p.batch[i].Head.ID })
}

// bisect sends the items at idxs; a bad-data reply is split until every
// refused record stands alone, and those go to rej while the rest goes
// through. A retry or pause aborts with the classified error.
func (p *prepared) bisect(ctx context.Context, idxs []int) error {
	body, err := p.bodies.Take(idxs)
	v := p.s.attempt(ctx, body, err)
	switch v.outcome {
	case accepted:
		if v.rejected > 0 {
			// OTLP reports how many, not which, and forbids sending them
			// again: the whole request goes to the dead letters, where
			// nothing is lost (the accepted ones are there too, and
			// replaying them duplicates them downstream).
			p.rej.Add(fmt.Errorf("%w (the response does not say which: all %d records of the request are dead-lettered)", v.err(), len(idxs)), idxs...)
		}
		return nil
	case paused:
		return exporter.Paused(pauseErr(v))
	case badData:
		if len(idxs) == 1 {
			p.rej.Add(v.err(), idxs...)
			return nil
		}
		mid := len(idxs) / 2
		if err := p.bisect(ctx, idxs[:mid]); err != nil {
			return err
		}
		return p.bisect(ctx, idxs[mid:])
	}
	return exporter.Retryable(v.err(), v.retryAfter)
}

// pauseErr says what the operator must fix; records are kept.
func pauseErr(v verdict) error {
	switch {
	case v.notOTLP:
		return v.err()
	case v.status == http.StatusUnauthorized || v.status == http.StatusForbidden:
		return fmt.Errorf("OTLP endpoint refused the credential; fix token_file/token_env (or headers) to resume (records are kept): %w", v.err())
	}
	return fmt.Errorf("OTLP endpoint refused the request's URL or type; fix endpoint/logs_endpoint to resume (records are kept): %w", v.err())
}
