package kafka

import (
	"fmt"
	"strconv"
	"time"

	json "github.com/goccy/go-json"
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
// nil otherwise; key is the message key.
func (s *Sink) message(h *exporter.RecordHead, body []byte, m *format.Meta, key string) *kgo.Record {
	kind := s.format.Schema
	if kind == "" {
		kind = format.SchemaRecord
	}
	if m != nil {
		kind = format.AuditBodyEntry
	}
	hs := make([]kgo.RecordHeader, 0, 7)
	hs = append(hs,
		kgo.RecordHeader{Key: HeaderID, Value: []byte(h.ID)},
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
	return &kgo.Record{Topic: s.topics.For(h.Category), Key: []byte(key), Value: body, Headers: hs}
}

// alertKey is the key of a record about an alert when keyed by alert:
// "<source>/<repo>#<number>", the alert's source for an audit record that
// names one, so that its transitions, audit entries and requests share a
// partition; "" for a record about no alert.
func alertKey(source, alertSource exporter.Source, repo string, number *int) string {
	if number == nil || repo == "" {
		return ""
	}
	if alertSource != "" {
		source = alertSource
	}
	return string(source) + "/" + repo + "#" + strconv.Itoa(*number)
}

// recordKey is the key of rec.
func (s *Sink) recordKey(rec *exporter.Record) string {
	if s.byAlert && rec.Alert != nil {
		n := rec.Alert.Number
		if k := alertKey(rec.Source, rec.AlertSource, rec.Repo, &n); k != "" {
			return k
		}
	}
	return rec.ID
}

// rawAlert is the part of a stored record the alert key needs beyond its
// head; decoding only it skips building the rest.
type rawAlert struct {
	AlertSource exporter.Source `json:"alert_source"`
	Alert       *struct {
		Number int `json:"number"`
	} `json:"alert"`
}

// rawKey is the key of a stored record.
func (s *Sink) rawKey(r *exporter.RawRecord) (string, error) {
	if !s.byAlert {
		return r.Head.ID, nil
	}
	var a rawAlert
	if err := json.Unmarshal(r.JSON, &a); err != nil {
		return "", fmt.Errorf("read the alert of stored record %s: %w", r.Head.ID, err)
	}
	if a.Alert != nil {
		if k := alertKey(r.Head.Source, a.AlertSource, r.Head.Repo, &a.Alert.Number); k != "" {
			return k, nil
		}
	}
	return r.Head.ID, nil
}

// size is what the producer counts of a message against its batch limit.
func size(r *kgo.Record) int {
	n := len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}
