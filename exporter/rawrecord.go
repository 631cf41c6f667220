package exporter

import (
	"context"
	"errors"
	"time"
)

// RawSender is implemented by sinks that ship the record JSON as the outbox
// stores it (Splunk HEC, Splunk Cloud Services, the file sink). The delivery
// loop then hands them the stored bytes instead of decoding every record
// only for the sink to encode it again; sinks that render fields (syslog,
// email) implement Sink alone and get decoded Records.
//
// SendRaw has Send's contract: nil when every record was accepted, a
// *DeliveryError to dead-letter the batch or some of it (Rejected indexes
// refer to batch), any other error keeps the whole batch. A sink's Send and
// SendRaw deliver the same bytes for the same record.
type RawSender interface {
	Sink
	SendRaw(ctx context.Context, batch []RawRecord) error
}

// RawPreparer is implemented by a RawSender whose work on a batch before
// the first request (encoding, compressing) can run ahead: the delivery
// loop calls PrepareRaw on the next batch while the batch before is still
// being sent, then Send on what it returned, in outbox order, one at a
// time (or Start, two in flight, when what it returned is a
// PipelinedSend). PrepareRaw may run concurrently with a Send; it makes no request
// and never fails (a failure to build a request is the prepared Send's
// error). A prepared batch the loop drops (it stopped at a failure) is
// never sent.
type RawPreparer interface {
	RawSender
	PrepareRaw(batch []RawRecord) PreparedSend
}

// PreparedSend is a batch made ready by PrepareRaw; Send has SendRaw's
// contract for that batch and is called at most once.
type PreparedSend interface {
	Send(ctx context.Context) error
}

// PipelinedSend is a PreparedSend whose sink keeps no order between
// records that a second batch in flight could break: OTLP, whose log
// records have none, and Kafka keyed by record id, where order holds only
// within a partition, which the idempotent producer keeps across requests
// in flight, and the ids spread a batch over every partition anyway. The delivery loop then starts a batch
// before the batch before it has its answer, two at most, and takes their
// outcomes in order; two batches in flight are then as one batch of twice
// the size. Start begins sending and returns without waiting for an
// answer; wait, called once, waits for it and returns what Send would.
// Either Send or Start is called, once.
type PipelinedSend interface {
	PreparedSend
	Start(ctx context.Context) (wait func() error)
}

// RawRecord is one outbox record as stored: its JSON, which is what
// json.Marshal of a Record produced (so HTML characters are escaped), and
// the fields sinks route and label on, read by recordjson.DecodeStored
// from the binary head stored beside the JSON (or from the JSON of an
// entry an earlier version stored). JSON is the caller's copy: a sink may
// keep it only for the duration of SendRaw.
type RawRecord struct {
	JSON []byte
	Head RecordHead
}

// RecordHead is the part of a Record that sinks route and label on.
type RecordHead struct {
	Schema     int
	ID         string
	Time       time.Time
	ObservedAt time.Time
	Category   Category
	Source     Source
	Action     string
	Org        string
	Repo       string
	// Origin, Enterprise and AlertSource are the record's fields of those
	// names.
	Origin      Origin
	Enterprise  string
	AlertSource Source
	// Severity is the alert's normalized severity ("" for audit records).
	Severity string
	// AlertNumber is the number of the alert the record names, 0 when it
	// names none (GitHub numbers alerts from 1).
	AlertNumber int
}

// Head returns r's head, as recordjson.DecodeStored reads it from r's
// stored entry (and DecodeHead from r's JSON).
func (r *Record) Head() RecordHead {
	h := RecordHead{Schema: r.Schema, ID: r.ID, Time: r.Time, ObservedAt: r.ObservedAt, Category: r.Category,
		Source: r.Source, Action: r.Action, Org: r.Org, Repo: r.Repo,
		Origin: r.Origin, Enterprise: r.Enterprise, AlertSource: r.AlertSource}
	if r.Alert != nil {
		h.Severity, h.AlertNumber = r.Alert.Severity, r.Alert.Number
	}
	return h
}

// ErrNotRecord is what the errors of recordjson.DecodeStored, StoredJSON
// and DecodeHead wrap for an entry that is not a record.
var ErrNotRecord = errors.New("not a record")
