package kafka

import (
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
)

// Header keys every message carries (entry bodies also carry origin and
// observed_at, which the other bodies hold themselves). The names are
// those of the HEC sink's indexed fields.
const (
	HeaderID         = "ghsec_id"
	HeaderCategory   = "ghsec_category"
	HeaderSource     = "ghsec_source"
	HeaderAction     = "ghsec_action"
	HeaderBody       = "ghsec_body"
	HeaderOrigin     = "ghsec_origin"
	HeaderObservedAt = "ghsec_observed_at"
)

// message builds the Kafka record of one rendered record. m is the
// metadata of an audit entry shipped as its own body (format.RenderBody),
// nil otherwise. The key is the record id, or the alert when keyed by
// alert.
func (s *Sink) message(h *exporter.RecordHead, body []byte, m *format.Meta) *kgo.Record {
	kind := s.format.Schema
	if kind == "" {
		kind = format.SchemaRecord
	}
	if m != nil {
		kind = format.AuditBodyEntry
	}
	id := []byte(h.ID)
	key := id
	if s.byAlert {
		if k := alertKey(h); k != "" {
			key = []byte(k)
		}
	}
	hs := make([]kgo.RecordHeader, 0, 7)
	hs = append(hs,
		kgo.RecordHeader{Key: HeaderID, Value: id},
		kgo.RecordHeader{Key: HeaderCategory, Value: []byte(h.Category)},
		kgo.RecordHeader{Key: HeaderSource, Value: []byte(h.Source)},
		kgo.RecordHeader{Key: HeaderAction, Value: []byte(h.Action)},
		kgo.RecordHeader{Key: HeaderBody, Value: []byte(kind)},
	)
	if m != nil {
		hs = append(hs,
			kgo.RecordHeader{Key: HeaderOrigin, Value: []byte(m.Origin)},
			kgo.RecordHeader{Key: HeaderObservedAt, Value: m.ObservedAt.UTC().AppendFormat(nil, time.RFC3339Nano)},
		)
	}
	// The message timestamp stays the produce time: a backfilled record
	// stamped with its event time would be past the topic's retention at
	// once. The event time is in the body.
	return &kgo.Record{Topic: s.topics.For(h.Category), Key: key, Value: body, Headers: hs}
}

// alertKey is the key of a record about an alert when keyed by alert:
// "<source>/<repo>#<number>", the alert's source for an audit record that
// names one, so that its transitions, audit entries and requests share a
// partition; "" for a record about no alert.
func alertKey(h *exporter.RecordHead) string {
	if h.AlertNumber == 0 || h.Repo == "" {
		return ""
	}
	source := h.Source
	if h.AlertSource != "" {
		source = h.AlertSource
	}
	return string(source) + "/" + h.Repo + "#" + strconv.Itoa(h.AlertNumber)
}

// size is what the producer counts of a message against its batch limit.
func size(r *kgo.Record) int {
	n := len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}
