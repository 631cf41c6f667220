package exporter

import (
	"fmt"
	"time"
)

// DeliveryKind is what the delivery loop does with a failed Send or
// attempt. The kinds are ordered by precedence: when an error carries
// several classifications (errors joined or wrapped), Classify keeps the
// greatest.
type DeliveryKind uint8

const (
	// KindRetryable keeps every record and tries again after the loop's
	// backoff or the destination's Retry-After. It is the zero value: an
	// unclassified error is retried.
	KindRetryable DeliveryKind = iota
	// KindPaused keeps every record and retries at the loop's maximum
	// interval: the failure needs an operator (a revoked token).
	KindPaused
	// KindRejected dead-letters the listed records of the batch and counts
	// the rest as delivered.
	KindRejected
	// KindPermanent dead-letters the whole batch: retrying cannot fix it.
	KindPermanent
)

// String names the kind as logs and tests show it.
func (k DeliveryKind) String() string {
	switch k {
	case KindRetryable:
		return "retryable"
	case KindPaused:
		return "paused"
	case KindRejected:
		return "rejected"
	case KindPermanent:
		return "permanent"
	}
	return fmt.Sprintf("DeliveryKind(%d)", uint8(k))
}

// Retried reports whether the loop keeps the records and tries again
// (KindRetryable, KindPaused), rather than dead-lettering some.
func (k DeliveryKind) Retried() bool { return k <= KindPaused }

// DeliveryError is a classified delivery failure: one kind and the data
// that kind uses. Sinks build it with Retryable, Paused, Rejected or
// Permanent; the delivery loop reads it only through Classify.
type DeliveryError struct {
	Kind DeliveryKind
	// Err is the cause.
	Err error
	// RetryAfter is the wait the destination asked for (KindRetryable only);
	// zero means the loop's own backoff.
	RetryAfter time.Duration
	// Rejected lists the indexes into the batch that were refused for good
	// (KindRejected only); every other record of the batch was accepted.
	Rejected []int
}

// Error says how the delivery failed and how it is classified.
func (e *DeliveryError) Error() string {
	switch e.Kind {
	case KindPermanent:
		return fmt.Sprintf("permanent: %v", e.Err)
	case KindRejected:
		return fmt.Sprintf("%d records rejected: %v", len(e.Rejected), e.Err)
	case KindPaused:
		return fmt.Sprintf("paused: %v", e.Err)
	}
	return e.Err.Error()
}

// Unwrap returns the cause.
func (e *DeliveryError) Unwrap() error { return e.Err }

// Retryable wraps err as a retryable failure, honouring a destination's
// Retry-After (zero: the loop's backoff).
func Retryable(err error, after time.Duration) error {
	return &DeliveryError{Kind: KindRetryable, Err: err, RetryAfter: after}
}

// Permanent wraps err as a failure that retrying cannot fix.
func Permanent(err error) error { return &DeliveryError{Kind: KindPermanent, Err: err} }

// Paused wraps err as a failure that needs an operator; records are kept.
func Paused(err error) error { return &DeliveryError{Kind: KindPaused, Err: err} }

// Rejected reports that the records at indexes were refused for good and the
// rest of the batch was accepted. Without indexes it refuses nothing, and
// Classify treats it as retryable.
func Rejected(err error, indexes ...int) error {
	return &DeliveryError{Kind: KindRejected, Err: err, Rejected: indexes}
}

// Classify is the one place a delivery failure is classified; the outbox
// loop and the Attempter both act on what it returns. It never returns
// nil: err's *DeliveryError of the greatest kind (the first of that kind
// found, walking errors joined or wrapped in err), or KindRetryable of err
// when none is found. A KindRejected that lists no index counts as
// KindRetryable, so a sink that says nothing was refused loses no record.
func Classify(err error) *DeliveryError {
	var best *DeliveryError
	walk(err, func(de *DeliveryError) {
		if de.Kind == KindRejected && len(de.Rejected) == 0 {
			return
		}
		if best == nil || de.Kind > best.Kind {
			best = de
		}
	})
	if best == nil {
		return &DeliveryError{Kind: KindRetryable, Err: err}
	}
	return best
}

// walk calls fn for every *DeliveryError in err's tree, in the order
// errors.As searches it.
func walk(err error, fn func(*DeliveryError)) {
	for err != nil {
		if de, ok := err.(*DeliveryError); ok {
			fn(de)
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e, fn)
			}
			return
		default:
			return
		}
	}
}
