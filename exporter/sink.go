package exporter

import (
	"context"
	"log/slog"
	"time"
)

// Sink delivers records to one destination. The delivery loop owns retries:
// a sink makes one attempt per Send and classifies its failure.
//
// Send returns nil when every record in batch was accepted (for sinks with
// acknowledgement: acknowledged). Any other error keeps the whole batch in the
// outbox unless Classify says otherwise: Permanent moves the batch to the
// dead-letter bucket, Rejected moves only the listed records there and
// counts the rest as delivered. An unclassified error is retried, so a sink
// that cannot tell never loses a record.
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

// Attempter runs the deliveries a sink makes on a schedule of its own (an
// email digest, an immediate mail) through the delivery loop's retry policy,
// so their failures, retries and waits are counted, logged and reported in
// health under the sink's name like those of Send. The daemon implements it.
type Attempter interface {
	// Attempt calls send until it returns nil, an error Classify calls
	// KindPermanent or KindRejected, or ctx ends, waiting between calls as
	// for a failed Send (Retry-After, capped backoff, the maximum wait when
	// paused). It counts every failure and logs the failures (a repeat of
	// the same error only once) and the recovery, so the caller does not.
	// A wait that would outlast ctx's deadline is not started. It returns
	// nil on success, else the last failure wrapped with what.
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
