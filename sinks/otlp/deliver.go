package otlp

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// prepared is a batch rendered into items and cut into requests whose
// bodies are built (compressed) already, waiting for Send.
type prepared struct {
	s      *Sink
	batch  []exporter.RawRecord
	rej    *rejections
	items  []item
	chunks [][]int
	// bodies holds each request's body by its first index and length; a
	// request bisected after a refusal builds its halves' bodies when sent.
	bodies map[[2]int]body
}

type body struct {
	b   []byte
	err error
}

var _ exporter.PreparedSend = (*prepared)(nil)

// prepare renders the records of batch that have JSON (the others are in
// rej already) and builds the bodies of its requests.
func (s *Sink) prepare(batch []exporter.RawRecord, rej *rejections) *prepared {
	p := &prepared{s: s, batch: batch, rej: rej, items: make([]item, len(batch))}
	sizes := make([]int, len(batch))
	for i := range batch {
		if batch[i].JSON == nil {
			continue
		}
		it, err := render(&batch[i], s.opts)
		if err != nil {
			rej.add(err, i)
			continue
		}
		p.items[i], sizes[i] = it, it.size()
	}
	p.chunks = chunks(sizes, s.maxItems, s.maxBytes)
	p.bodies = make(map[[2]int]body, len(p.chunks))
	for _, c := range p.chunks {
		b, err := s.body(p.items, c)
		p.bodies[[2]int{c[0], len(c)}] = body{b, err}
	}
	return p
}

// Send delivers the prepared requests: see Sink.SendRaw.
func (p *prepared) Send(ctx context.Context) error {
	for _, c := range p.chunks {
		if err := p.bisect(ctx, c); err != nil {
			return err
		}
	}
	return p.rej.err(p.batch)
}

// bisect sends the items at idxs; a bad-data reply is split until every
// refused record stands alone, and those go to rej while the rest goes
// through. A retry or pause aborts with the classified error.
func (p *prepared) bisect(ctx context.Context, idxs []int) error {
	key := [2]int{idxs[0], len(idxs)}
	bd, ok := p.bodies[key]
	if ok {
		delete(p.bodies, key)
	} else {
		bd.b, bd.err = p.s.body(p.items, idxs)
	}
	v := p.s.attempt(ctx, bd.b, bd.err)
	switch v.outcome {
	case accepted:
		if v.rejected > 0 {
			// OTLP reports how many, not which, and forbids sending them
			// again: the whole request goes to the dead letters, where
			// nothing is lost (the accepted ones are there too, and
			// replaying them duplicates them downstream).
			p.rej.add(fmt.Errorf("%w (the response does not say which: all %d records of the request are dead-lettered)", v.err(), len(idxs)), idxs...)
		}
		return nil
	case paused:
		return exporter.Paused(pauseErr(v))
	case badData:
		if len(idxs) == 1 {
			p.rej.add(v.err(), idxs...)
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

// chunks groups the indexes of the items with a non-zero size into
// requests of at most maxItems items and maxBytes bytes. An item larger
// than maxBytes goes alone.
func chunks(sizes []int, maxItems, maxBytes int) [][]int {
	var out [][]int
	var cur []int
	total := 0
	for i, n := range sizes {
		if n == 0 {
			continue
		}
		if len(cur) > 0 && (len(cur) >= maxItems || total+n > maxBytes) {
			out = append(out, cur)
			cur, total = nil, 0
		}
		cur = append(cur, i)
		total += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// rejections collects the records of a batch refused for good: those that
// could not be rendered and those the endpoint refused.
type rejections struct {
	idxs []int
	last error // the last reason seen
}

func (r *rejections) add(err error, idxs ...int) {
	r.idxs = append(r.idxs, idxs...)
	r.last = err
}

// err returns nil when nothing was refused, else exporter.Rejected naming
// up to ten record ids (never content) and listing the refused indexes.
func (r *rejections) err(batch []exporter.RawRecord) error {
	if len(r.idxs) == 0 {
		return nil
	}
	sort.Ints(r.idxs)
	ids := make([]string, 0, min(len(r.idxs), 10))
	for _, i := range r.idxs[:min(len(r.idxs), 10)] {
		ids = append(ids, batch[i].Head.ID)
	}
	return exporter.Rejected(fmt.Errorf("%d of %d records not delivered for good (ids %s): %w",
		len(r.idxs), len(batch), strings.Join(ids, ", "), r.last), r.idxs...)
}
