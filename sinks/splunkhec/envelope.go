package splunkhec

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
)

// envelope is one HEC event: Splunk's metadata around the record.
type envelope struct {
	Time       json.Number       `json:"time,omitempty"`
	Host       string            `json:"host,omitempty"`
	Source     string            `json:"source,omitempty"`
	Sourcetype string            `json:"sourcetype"`
	Index      string            `json:"index,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"`
	Event      *exporter.Record  `json:"event"`
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

// encode renders r as one envelope. It fails only when the record itself
// cannot be marshalled (e.g. an invalid raw JSON payload).
func (e *encoder) encode(r *exporter.Record) ([]byte, error) {
	t := e.alert
	if r.Category == exporter.CategoryAudit {
		t = e.audit
	}
	env := envelope{
		Time:       hecTime(r.Time, r.ObservedAt),
		Host:       e.host,
		Source:     t.Source,
		Sourcetype: t.Sourcetype,
		Index:      t.Index,
		Fields:     splunk.Fields(e.static, e.recordFields, r),
		Event:      r,
	}
	if env.Source == "" && r.Source != "" {
		env.Source = "github:" + string(r.Source)
	}
	b, err := json.Marshal(&env)
	if err != nil {
		return nil, fmt.Errorf("encode record %s as HEC event: %w", r.ID, err)
	}
	return b, nil
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
