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

// messages is where a batch's messages are built: the records, their
// headers, and the bytes of their keys and header values each come out of
// one allocation a batch, not a few a record.
type messages struct {
	recs  []kgo.Record
	hdrs  []kgo.RecordHeader
	bytes []byte
}

// maxHeaders is how many headers a message carries at most.
const maxHeaders = 7

func newMessages(n int) *messages {
	return &messages{
		recs:  make([]kgo.Record, 0, n),
		hdrs:  make([]kgo.RecordHeader, 0, n*maxHeaders),
		bytes: make([]byte, 0, n*160), // an id, its key and four short values
	}
}

// add builds the Kafka record of the next rendered record of s's batch. m
// is the metadata of an audit entry shipped as its own body
// (format.RenderBody), nil otherwise. The key is the record id, or the
// alert when keyed by alert. The slices it hands out are capped at their
// length: nothing appended to one reaches the next.
func (ms *messages) add(s *Sink, h *exporter.RecordHead, body []byte, m *format.Meta) *kgo.Record {
	kind := s.format.Schema
	if kind == "" {
		kind = format.SchemaRecord
	}
	if m != nil {
		kind = format.AuditBodyEntry
	}
	id := ms.str(h.ID)
	key := id
	if s.byAlert && h.AlertNumber != 0 && h.Repo != "" {
		key = ms.alertKey(h)
	}
	n := len(ms.hdrs)
	ms.hdrs = append(ms.hdrs,
		kgo.RecordHeader{Key: HeaderID, Value: id},
		kgo.RecordHeader{Key: HeaderCategory, Value: ms.str(string(h.Category))},
		kgo.RecordHeader{Key: HeaderSource, Value: ms.str(string(h.Source))},
		kgo.RecordHeader{Key: HeaderAction, Value: ms.str(h.Action)},
		kgo.RecordHeader{Key: HeaderBody, Value: ms.str(kind)},
	)
	if m != nil {
		ms.hdrs = append(ms.hdrs,
			kgo.RecordHeader{Key: HeaderOrigin, Value: ms.str(string(m.Origin))},
			kgo.RecordHeader{Key: HeaderObservedAt, Value: ms.cut(m.ObservedAt.UTC().AppendFormat(ms.bytes, time.RFC3339Nano))},
		)
	}
	// The message timestamp stays the produce time: a backfilled record
	// stamped with its event time would be past the topic's retention at
	// once. The event time is in the body.
	ms.recs = append(ms.recs, kgo.Record{Topic: s.topics.For(h.Category), Key: key, Value: body, Headers: ms.hdrs[n:len(ms.hdrs):len(ms.hdrs)]})
	return &ms.recs[len(ms.recs)-1]
}

// str copies v into the batch's bytes.
func (ms *messages) str(v string) []byte { return ms.cut(append(ms.bytes, v...)) }

// cut takes what was appended to the batch's bytes (grown is ms.bytes
// with it) as a slice of its own.
func (ms *messages) cut(grown []byte) []byte {
	n := len(ms.bytes)
	ms.bytes = grown
	return grown[n:len(grown):len(grown)]
}

// alertKey is the key of a record about an alert when keyed by alert:
// "<source>/<repo>#<number>", the alert's source for an audit record that
// names one, so that its transitions, audit entries and requests share a
// partition. h names an alert (a number and a repository).
func (ms *messages) alertKey(h *exporter.RecordHead) []byte {
	source := h.Source
	if h.AlertSource != "" {
		source = h.AlertSource
	}
	b := append(ms.bytes, source...)
	b = append(b, '/')
	b = append(b, h.Repo...)
	b = append(b, '#')
	return ms.cut(strconv.AppendInt(b, int64(h.AlertNumber), 10))
}

// size is what the producer counts of a message against its batch limit.
func size(r *kgo.Record) int {
	n := len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}
