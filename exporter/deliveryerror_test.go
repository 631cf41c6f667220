package exporter_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Classify is the one place a failure's kind is decided: a single
// classification is taken as is; several (joined or wrapped) yield the
// greatest kind, permanent over rejected over paused over retryable.
func TestClassify_Precedence(t *testing.T) {
	cause := errors.New("cause")
	other := errors.New("other")
	tests := []struct {
		name       string
		err        error
		kind       exporter.DeliveryKind
		retryAfter time.Duration
		rejected   []int
		msg        string
	}{
		{"unclassified is retried", cause, exporter.KindRetryable, 0, nil, "cause"},
		{"retryable keeps Retry-After", exporter.Retryable(cause, 7*time.Second), exporter.KindRetryable, 7 * time.Second, nil, "cause"},
		{"paused", exporter.Paused(cause), exporter.KindPaused, 0, nil, "paused: cause"},
		{"rejected", exporter.Rejected(cause, 1, 3), exporter.KindRejected, 0, []int{1, 3}, "2 records rejected: cause"},
		{"permanent", exporter.Permanent(cause), exporter.KindPermanent, 0, nil, "permanent: cause"},
		{"rejected without indexes refuses nothing", exporter.Rejected(cause), exporter.KindRetryable, 0, nil, "0 records rejected: cause"},
		{"wrapped with %w", fmt.Errorf("send: %w", exporter.Paused(cause)), exporter.KindPaused, 0, nil, "paused: cause"},
		{"paused over retryable", errors.Join(exporter.Retryable(other, time.Minute), exporter.Paused(cause)), exporter.KindPaused, 0, nil, "paused: cause"},
		{"rejected over paused", errors.Join(exporter.Paused(other), exporter.Rejected(cause, 0)), exporter.KindRejected, 0, []int{0}, "1 records rejected: cause"},
		{"permanent over rejected", errors.Join(exporter.Rejected(other, 2), exporter.Permanent(cause)), exporter.KindPermanent, 0, nil, "permanent: cause"},
		{"inner kind wins when greater", exporter.Paused(exporter.Permanent(cause)), exporter.KindPermanent, 0, nil, "permanent: cause"},
		{"outer kind wins when greater", exporter.Permanent(exporter.Paused(cause)), exporter.KindPermanent, 0, nil, "permanent: paused: cause"},
		{"first of the greatest kind", errors.Join(exporter.Retryable(cause, time.Second), exporter.Retryable(other, time.Hour)), exporter.KindRetryable, time.Second, nil, "cause"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			de := exporter.Classify(tt.err)
			if de.Kind != tt.kind || de.RetryAfter != tt.retryAfter || !slices.Equal(de.Rejected, tt.rejected) || de.Error() != tt.msg {
				t.Errorf("Classify = %v %q (Retry-After %v, rejected %v), want %v %q (%v, %v)",
					de.Kind, de.Error(), de.RetryAfter, de.Rejected, tt.kind, tt.msg, tt.retryAfter, tt.rejected)
			}
			if !errors.Is(de, cause) {
				t.Errorf("Classify(%v) lost the cause", tt.err)
			}
		})
	}
}
