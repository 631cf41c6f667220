package splunkhec

import (
	"fmt"
	"strconv"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
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

// encoder renders records as HEC envelopes; it is built once from Config.
type encoder struct {
	host         string
	alert, audit Target
	static       map[string]string
	recordFields []string
}

func newEncoder(c Config, host string) *encoder {
	return &encoder{host: host, alert: c.Alert, audit: c.Audit, static: c.Fields, recordFields: c.RecordFields}
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
// for a record whose JSON is not JSON, which the outbox's check
// (recordjson.DecodeHead) and the encoder never let through; buf is then
// returned unchanged.
func (e *encoder) appendRaw(buf []byte, r *exporter.RawRecord) ([]byte, error) {
	h := &r.Head
	t := e.alert
	if h.Category == exporter.CategoryAudit {
		t = e.audit
	}
	env := envelope{
		Time: hecTime(h.Time, h.ObservedAt), Host: e.host, Source: t.Source, Sourcetype: t.Sourcetype, Index: t.Index,
		Fields: splunk.Fields(e.static, e.recordFields, h), Event: r.JSON,
	}
	if env.Source == "" && h.Source != "" {
		env.Source = "github:" + string(h.Source)
	}
	b, err := json.Marshal(&env)
	if err != nil {
		return buf, fmt.Errorf("encode record %s as HEC event: %w", h.ID, err)
	}
	return append(buf, b...), nil
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
