package exporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Sink delivers records to one destination. The delivery loop owns retries:
// a sink makes one attempt per Send and classifies its failure.
//
// Send returns nil when every record in batch was accepted (for sinks with
// acknowledgement: acknowledged). Any other error keeps the whole batch in the
// outbox unless it is a *DeliveryError that says otherwise: Permanent moves
// the batch to the dead-letter bucket, Rejected moves only the listed records
// there and counts the rest as delivered. An unclassified error is retried,
// so a sink that cannot tell never loses a record.
type Sink interface {
	Send(ctx context.Context, batch []Record) error
	Close() error
}

// Runner is implemented by sinks that need a goroutine of their own for the
// life of the daemon (the email sink's digest schedule).
// Run blocks until ctx is done.
type Runner interface {
	Run(ctx context.Context) error
}

// DeliveryError classifies a failed Send.
type DeliveryError struct {
	Err error
	// Permanent: the batch can never be delivered; dead-letter it.
	Permanent bool
	// Rejected lists indexes into the batch that were refused for good; all
	// other records of the batch were accepted.
	Rejected []int
	// RetryAfter is the wait the destination asked for; zero means the loop's
	// own backoff.
	RetryAfter time.Duration
	// Paused marks a failure that needs an operator (a revoked token): the loop
	// keeps every record and retries at its maximum interval.
	Paused bool
}

// Error says how the send failed and how it is classified.
func (e *DeliveryError) Error() string {
	switch {
	case e.Permanent:
		return fmt.Sprintf("permanent: %v", e.Err)
	case len(e.Rejected) > 0:
		return fmt.Sprintf("%d records rejected: %v", len(e.Rejected), e.Err)
	case e.Paused:
		return fmt.Sprintf("paused: %v", e.Err)
	}
	return e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *DeliveryError) Unwrap() error { return e.Err }

// Retryable wraps err as a retryable failure, honouring a server's Retry-After.
func Retryable(err error, after time.Duration) error {
	return &DeliveryError{Err: err, RetryAfter: after}
}

// Permanent wraps err as a failure that retrying cannot fix.
func Permanent(err error) error { return &DeliveryError{Err: err, Permanent: true} }

// Paused wraps err as a failure that needs an operator; records are kept.
func Paused(err error) error { return &DeliveryError{Err: err, Paused: true} }

// Rejected reports that the records at indexes were refused for good and the
// rest of the batch was accepted.
func Rejected(err error, indexes ...int) error {
	return &DeliveryError{Err: err, Rejected: indexes}
}

// AsDeliveryError returns err's classification; an unclassified error is
// retryable with the loop's own backoff.
func AsDeliveryError(err error) *DeliveryError {
	var de *DeliveryError
	if errors.As(err, &de) {
		return de
	}
	return &DeliveryError{Err: err}
}

// Attempter runs the deliveries a sink makes on a schedule of its own (an
// email digest, an immediate mail) through the delivery loop's retry policy,
// so their failures, retries and waits are counted, logged and reported in
// health under the sink's name like those of Send. The daemon implements it.
type Attempter interface {
	// Attempt calls send until it returns nil, a Permanent or Rejected
	// *DeliveryError, or ctx ends, waiting between calls as for a failed
	// Send (Retry-After, capped backoff, the maximum wait when Paused). It
	// logs each failure once, so the caller does not. A wait that would
	// outlast ctx's deadline is not started. It returns nil on success,
	// else the last failure wrapped with what.
	Attempt(ctx context.Context, what string, send func(ctx context.Context) error) error
}

// SinkDeps is what a sink may use besides its own config. The daemon fills
// every field, once, where it builds the sinks; a sink's New relies on that
// and fills no defaults of its own.
type SinkDeps struct {
	// Name is the sink's configured name, unique in the config.
	Name string
	// Logger is already scoped with the sink's name.
	Logger *slog.Logger
	// Version is the exporter's version string, for user agents and CEF headers.
	Version string
	// Store is the state file; sinks that keep data of their own (email
	// digests) use its per-sink buckets.
	Store SinkStore
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Attempts runs deliveries the sink schedules itself; sinks that only
	// deliver through Send ignore it.
	Attempts Attempter
}

// SinkStore is the part of the state a sink may use: a key/value bucket of
// its own, read and written in transactions, and a read-only walk over the
// alert snapshots (for overviews).
type SinkStore interface {
	// SinkUpdate runs fn in a read-write transaction on the sink's bucket.
	SinkUpdate(sink string, fn func(b KV) error) error
	// SinkView runs fn in a read-only transaction on the sink's bucket.
	SinkView(sink string, fn func(b KV) error) error
	// ForEachOpenAlert calls fn for every tracked alert whose state is open.
	ForEachOpenAlert(fn func(a TrackedAlert) error) error
}

// KV is a sink's own ordered key/value bucket. Values must not be kept after
// the transaction ends.
type KV interface {
	Get(key []byte) []byte
	Put(key, value []byte) error
	Delete(key []byte) error
	// ForEach walks keys with prefix in order; returning an error stops it.
	ForEach(prefix []byte, fn func(k, v []byte) error) error
}

// TrackedAlert is a summary of one alert's last-seen state.
type TrackedAlert struct {
	Source   Source
	Repo     string
	Number   int
	State    string
	Severity string
	Title    string
	HTMLURL  string
}
