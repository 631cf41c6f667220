package splunk

import (
	"context"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/batching"
)

// Outcome is what a sink does after one request.
type Outcome int

const (
	// Accepted: the request's events were taken.
	Accepted Outcome = iota
	// Retry: throttling, server or network trouble; send again later.
	Retry
	// Paused: the token or the sink's configuration is wrong; an operator
	// must act, every record is kept.
	Paused
	// BadData: the service refused the content; bisect to find the records.
	BadData
)

func (o Outcome) String() string {
	return [...]string{"accepted", "retry", "paused", "bad data"}[o]
}

// Attempt is the classified result of one request.
type Attempt struct {
	Outcome Outcome
	// Err says what went wrong (nil when Accepted); it is wrapped as is into
	// the error Deliver returns, so it names the service.
	Err error
	// RetryAfter is the wait the service asked for with Retry; zero means
	// the delivery loop's own backoff.
	RetryAfter time.Duration
}

// PostFunc makes one request carrying the events at idxs.
type PostFunc func(ctx context.Context, idxs []int) Attempt

// Rejections collects the records of a batch refused for good: those that
// could not be encoded and those the service refused as bad data.
type Rejections struct{ batching.Rejections }

// Err returns nil when nothing was refused. Otherwise it returns
// exporter.Rejected, naming up to ten record ids (never content) and
// listing the refused indexes in order, so the rest of the batch counts as
// delivered and the refused records go to the dead-letter bucket.
func (r *Rejections) Err(service string, batch []exporter.RawRecord) error {
	return r.Rejections.Err(service+" refused", len(batch), func(i int) string { return batch[i].Head.ID })
}

// Deliver posts each chunk. A BadData reply is bisected until every refused
// event stands alone, and those go to rej while the rest goes through. A
// Retry or Paused reply aborts: the error is exporter.Retryable or
// exporter.Paused of the attempt's Err and keeps the whole batch (chunks
// already accepted are sent again on retry: delivery is at-least-once,
// deduplicated downstream by the record id).
func Deliver(ctx context.Context, chunks [][]int, post PostFunc, rej *Rejections) error {
	for _, c := range chunks {
		if err := bisect(ctx, c, post, rej); err != nil {
			return err
		}
	}
	return nil
}

func bisect(ctx context.Context, idxs []int, post PostFunc, rej *Rejections) error {
	a := post(ctx, idxs)
	switch a.Outcome {
	case Accepted:
		return nil
	case Paused:
		return exporter.Paused(a.Err)
	case BadData:
		if len(idxs) == 1 {
			rej.Add(a.Err, idxs...)
			return nil
		}
		mid := len(idxs) / 2
		if err := bisect(ctx, idxs[:mid], post, rej); err != nil {
			return err
		}
		return bisect(ctx, idxs[mid:], post, rej)
	}
	return exporter.Retryable(a.Err, a.RetryAfter)
}
