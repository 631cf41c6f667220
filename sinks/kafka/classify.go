package kafka

import (
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// outcome is what one record's produce error means.
type outcome uint8

const (
	// retry: the broker or the network failed; the delivery loop sends
	// the record again.
	retry outcome = iota
	// refused: the broker refused the record's batch for its content
	// (too large, invalid); sent alone and refused again, the record is
	// dead-lettered.
	refused
	// pause: the cluster refused the sink's credentials or configuration
	// (authorization, SASL, a missing topic): an operator must act.
	pause
)

// refusedErrs are the broker's verdicts on a batch's content: a record
// refused alone with one of these is refused for good.
var refusedErrs = []error{
	kerr.MessageTooLarge,
	kerr.RecordListTooLarge,
	kerr.InvalidRecord,
	kerr.InvalidTimestamp,
	kerr.PolicyViolation,
}

// pauseErrs need an operator: the credentials, the ACLs, the topic or the
// broker's configuration.
var pauseErrs = []error{
	kerr.TopicAuthorizationFailed,
	kerr.ClusterAuthorizationFailed,
	kerr.SaslAuthenticationFailed,
	kerr.UnsupportedSaslMechanism,
	kerr.IllegalSaslState,
	kerr.UnknownTopicOrPartition, // the sink never creates topics
	kerr.InvalidTopicException,
	kerr.InvalidRequiredAcks,
	kerr.UnsupportedForMessageFormat,
}

// classify maps a produce error to its outcome; anything it does not know
// (network errors, timeouts, retriable broker errors) is retried.
func classify(err error) outcome {
	for _, e := range refusedErrs {
		if errors.Is(err, e) {
			return refused
		}
	}
	for _, e := range pauseErrs {
		if errors.Is(err, e) {
			return pause
		}
	}
	if exporter.IsCertError(err) {
		return pause
	}
	return retry
}
