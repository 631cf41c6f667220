package azuremonitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/ingestion/azlogs"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/batching"
)

// errTooLarge is a record refused without a call: alone it is larger than
// max_batch_bytes, so no call can carry it.
var errTooLarge = errors.New("record larger than max_batch_bytes (the API takes at most 1 MB per call)")

// prepared is a batch rendered and cut into calls whose bodies are built
// already, waiting for Send.
type prepared struct {
	s      *Sink
	bodies [][]byte // each record's JSON object; nil when refused
	id     func(int) string
	rej    *batching.Rejections
	chunks [][]int          // the records of each call
	calls  *batching.Bodies // each call's body, built ahead
}

var _ exporter.PreparedSend = (*prepared)(nil)

// build cuts the rendered bodies (nil for records in rej already) into
// calls of at most maxBytes bytes of JSON array and builds their bodies.
// A record that alone exceeds a call is refused.
func (s *Sink) build(bodies [][]byte, id func(int) string, rej *batching.Rejections) *prepared {
	p := &prepared{s: s, bodies: bodies, id: id, rej: rej}
	// a record counts its comma, a call the brackets less the last comma
	sizes := make([]int, len(bodies))
	for i, b := range bodies {
		switch {
		case b == nil:
		case 2+len(b) > s.maxBytes:
			rej.Add(fmt.Errorf("%w: %d bytes", errTooLarge, len(b)), i)
		default:
			sizes[i] = len(b) + 1
		}
	}
	p.chunks = batching.Chunks(sizes, math.MaxInt, s.maxBytes, 1)
	p.calls = batching.NewBodies(p.chunks, func(idxs []int) ([]byte, error) { return s.body(idxs, bodies) })
	return p
}

// body is the JSON array of the records at idxs, gzipped when compress
// is on. The result is a new slice: the transport may still read it
// after the call returned.
func (s *Sink) body(idxs []int, bodies [][]byte) ([]byte, error) {
	n := len(idxs) + 1
	for _, i := range idxs {
		n += len(bodies[i])
	}
	// one write per piece: the gzip writer copies into its window anyway
	b, err := batching.Body(n, s.compress, func(w io.Writer) error {
		sep := []byte{'['}
		for _, i := range idxs {
			if _, err := w.Write(sep); err != nil {
				return err
			}
			if _, err := w.Write(bodies[i]); err != nil {
				return err
			}
			sep[0] = ','
		}
		_, err := w.Write([]byte{']'})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("gzip the call's body: %w", err)
	}
	return b, nil
}

// Send makes the prepared calls: see Sink.Send. A call refused as too
// large (413) is halved and its halves sent in the same Send, down to a
// record alone, which is refused for good.
func (p *prepared) Send(ctx context.Context) error {
	for _, c := range p.chunks {
		if err := p.send(ctx, c); err != nil {
			return err
		}
	}
	return p.rej.Err("azure monitor logs ingestion: cannot take", len(p.bodies), p.id)
}

// send makes the call of the records at idxs, its body the one built
// ahead or, for a half of a call refused as too large, built now.
func (p *prepared) send(ctx context.Context, idxs []int) error {
	body, err := p.calls.Take(idxs)
	if err != nil {
		return exporter.Retryable(err, 0)
	}
	v := p.s.upload(ctx, body)
	switch v.outcome {
	case accepted:
		return nil
	case tooLarge:
		if len(idxs) == 1 {
			p.rej.Add(v.err, idxs...)
			return nil
		}
		mid := len(idxs) / 2
		for _, half := range [][]int{idxs[:mid], idxs[mid:]} {
			if err := p.send(ctx, half); err != nil {
				return err
			}
		}
		return nil
	case paused:
		return exporter.Paused(v.err)
	}
	return exporter.Retryable(v.err, v.retryAfter)
}

// upload makes one call, bounded by the sink's timeout, and classifies
// its outcome.
func (s *Sink) upload(ctx context.Context, body []byte) verdict {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var opts *azlogs.UploadOptions
	if s.compress {
		opts = &azlogs.UploadOptions{ContentEncoding: to.Ptr("gzip")}
	}
	_, err := s.client.Upload(ctx, s.ruleID, s.stream, body, opts)
	if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		err = fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return classify(err, s.now())
}
