package splunkhec

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
)

// An HEC event is Splunk's metadata around the record, in this order:
//
//	{"time":…,"host":…,"source":…,"sourcetype":…,"index":…,"fields":{…},"event":<record>}
//
// time, host, source, index and fields are left out when empty. The record
// is its stored JSON, copied as is: it is what json.Marshal of the Record
// wrote, so the event is byte for byte what marshalling an envelope struct
// around the decoded Record would give, without decoding or encoding it.

// encoder renders records as HEC envelopes; it is built once from Config.
type encoder struct {
	host         string
	alert, audit Target
	static       map[string]string
	recordFields []string
	// metas caches the host/source/sourcetype/index members per category
	// and source (a handful of combinations).
	metas sync.Map
}

// maxMetas bounds the cache against foreign sources in a damaged outbox.
const maxMetas = 64

func newEncoder(c Config, host string) *encoder {
	return &encoder{host: host, alert: c.Alert, audit: c.Audit, static: c.Fields, recordFields: c.RecordFields}
}

// encode renders a decoded record as one envelope. It fails only when the
// record itself cannot be marshalled (e.g. an invalid raw JSON payload).
func (e *encoder) encode(r *exporter.Record) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode record %s as HEC event: %w", r.ID, err)
	}
	return e.encodeRaw(&exporter.RawRecord{JSON: b, Head: r.Head()}), nil
}

// encodeRaw renders a stored record as one envelope.
func (e *encoder) encodeRaw(r *exporter.RawRecord) []byte {
	return e.appendRaw(make([]byte, 0, len(r.JSON)+256), r)
}

// appendRaw appends the envelope of a stored record to buf.
func (e *encoder) appendRaw(buf []byte, r *exporter.RawRecord) []byte {
	h := &r.Head
	buf = append(buf, '{')
	if t := hecTime(h.Time, h.ObservedAt); t != "" {
		buf = append(buf, `"time":`...)
		buf = append(buf, t...)
		buf = append(buf, ',')
	}
	buf = append(buf, e.meta(h.Category, h.Source)...)
	if f := splunk.Fields(e.static, e.recordFields, h); f != nil {
		fb, _ := json.Marshal(f) // a map of strings always marshals
		buf = append(buf, `,"fields":`...)
		buf = append(buf, fb...)
	}
	buf = append(buf, `,"event":`...)
	buf = append(buf, r.JSON...)
	return append(buf, '}')
}

type metaKey struct {
	category exporter.Category
	source   exporter.Source
}

// meta returns the members "host"…"index" for a record of that category
// and source, without braces.
func (e *encoder) meta(c exporter.Category, src exporter.Source) []byte {
	k := metaKey{c, src}
	if v, ok := e.metas.Load(k); ok {
		return v.([]byte)
	}
	t := e.alert
	if c == exporter.CategoryAudit {
		t = e.audit
	}
	m := struct {
		Host       string `json:"host,omitempty"`
		Source     string `json:"source,omitempty"`
		Sourcetype string `json:"sourcetype"`
		Index      string `json:"index,omitempty"`
	}{e.host, t.Source, t.Sourcetype, t.Index}
	if m.Source == "" && src != "" {
		m.Source = "github:" + string(src)
	}
	b, _ := json.Marshal(&m) // strings always marshal
	b = b[1 : len(b)-1]
	n := 0
	e.metas.Range(func(any, any) bool { n++; return n < maxMetas })
	if n < maxMetas {
		e.metas.Store(k, b)
	}
	return b
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
