package splunkhec

import (
	"fmt"
	"maps"
	"strconv"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
)

// An HEC event is Splunk's metadata around the record, in this order:
//
//	{"time":…,"host":…,"source":…,"sourcetype":…,"index":…,"fields":{…},"event":<record>}
//
// time, host, source, index and fields are left out when empty. The record
// is its stored JSON, which is what json.Marshal of the Record wrote, so the
// event is what marshalling the envelope around the decoded Record would
// give, without decoding or encoding the record again.
type envelope struct {
	Time       json.Number       `json:"time,omitempty"`
	Host       string            `json:"host,omitempty"`
	Source     string            `json:"source,omitempty"`
	Sourcetype string            `json:"sourcetype"`
	Index      string            `json:"index,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"`
	Event      json.RawMessage   `json:"event"`
}

// Indexed fields that carry our record's id, origin and observed_at when
// the event is an audit entry (audit_body: entry): the entry is GitHub's
// alone, so our metadata sits beside it, like HEC's own.
const (
	FieldID         = "ghsec_id"
	FieldOrigin     = "ghsec_origin"
	FieldObservedAt = "ghsec_observed_at"
)

// encoder renders records as HEC envelopes; it is built once from Config.
type encoder struct {
	host         string
	alert, audit Target
	static       map[string]string
	recordFields []string
	opts         format.Options
}

func newEncoder(c Config, host string) *encoder {
	return &encoder{host: host, alert: c.Alert, audit: c.Audit, static: c.Fields, recordFields: c.RecordFields, opts: c.Options}
}

// encode renders a decoded record as one envelope. It fails only when the
// record itself cannot be marshalled (e.g. an invalid raw JSON payload).
func (e *encoder) encode(r *exporter.Record) ([]byte, error) {
	b, err := recordjson.MarshalRecord(r)
	if err != nil {
		return nil, fmt.Errorf("encode record %s as HEC event: %w", r.ID, err)
	}
	return e.encodeRaw(&exporter.RawRecord{JSON: b, Head: r.Head()})
}

// encodeRaw renders a stored record as one envelope.
func (e *encoder) encodeRaw(r *exporter.RawRecord) ([]byte, error) {
	return e.appendRaw(make([]byte, 0, len(r.JSON)+256), r)
}

// appendRaw appends the envelope of a stored record to buf. It fails only
// for a record whose JSON is not JSON, which the encoder never writes and
// the outbox's check (recordjson.DecodeStored: the CRC of the entry the
// encoder framed, or DecodeHead of an earlier version's plain entry) never
// lets through, or (schema or
// audit_body set) one that cannot be rendered so; buf is then returned
// unchanged.
func (e *encoder) appendRaw(buf []byte, r *exporter.RawRecord) ([]byte, error) {
	if !e.opts.AsStored(r.Head.Category) {
		return e.appendRendered(buf, r)
	}
	h := &r.Head
	env := e.envelope(h)
	env.Event = r.JSON
	b, err := json.Marshal(&env)
	if err != nil {
		return buf, fmt.Errorf("encode record %s as HEC event: %w", h.ID, err)
	}
	return append(buf, b...), nil
}

// appendRendered is appendRaw for a record the sink's options render (an
// OCSF or ECS event, an audit entry with its metadata in indexed fields).
// The body is compact JSON already and goes in as is, spliced after the
// envelope's last member: marshalled as a json.RawMessage its <, > and &
// would be escaped again, and an entry would not be GitHub's bytes.
func (e *encoder) appendRendered(buf []byte, r *exporter.RawRecord) ([]byte, error) {
	body, m, err := format.RenderStored(r, e.opts)
	if err != nil {
		return buf, fmt.Errorf("encode record %s as HEC event: %w", r.Head.ID, err)
	}
	env := e.envelope(&r.Head)
	if m != nil {
		f := make(map[string]string, len(env.Fields)+3)
		maps.Copy(f, env.Fields)
		f[FieldID], f[FieldOrigin] = m.ID, string(m.Origin)
		f[FieldObservedAt] = m.ObservedAt.Format(time.RFC3339Nano)
		env.Fields = f
	}
	env.Event = json.RawMessage("0")
	b, err := json.Marshal(&env)
	if err != nil {
		return buf, fmt.Errorf("encode record %s as HEC event: %w", r.Head.ID, err)
	}
	// b ends in "event":0}
	buf = append(buf, b[:len(b)-2]...)
	buf = append(buf, body...)
	return append(buf, '}'), nil
}

// envelope is h's envelope without its event.
func (e *encoder) envelope(h *exporter.RecordHead) envelope {
	t := e.alert
	if h.Category == exporter.CategoryAudit {
		t = e.audit
	}
	env := envelope{
		Time: hecTime(h.Time, h.ObservedAt), Host: e.host, Source: t.Source, Sourcetype: t.Sourcetype, Index: t.Index,
		Fields: splunk.Fields(e.static, e.recordFields, h),
	}
	if env.Source == "" && h.Source != "" {
		env.Source = "github:" + string(h.Source)
	}
	return env
}

// hecTime renders t as epoch seconds with milliseconds (1767603600.123),
// the precision HEC's time field keeps. A record without a time falls back
// to when it was observed; with neither, HEC stamps its receipt time.
func hecTime(t, observed time.Time) json.Number {
	if t.IsZero() {
		t = observed
	}
	if t.IsZero() {
		return ""
	}
	ms := t.UnixMilli()
	if ms < 0 {
		return json.Number(strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64))
	}
	return json.Number(fmt.Sprintf("%d.%03d", ms/1000, ms%1000))
}
