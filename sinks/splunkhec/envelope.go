package splunkhec

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
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
		Fields:     e.fields(r),
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

// fields builds the indexed fields. Record fields are prefixed github_ so
// they never collide with Splunk's own source, host or index fields.
func (e *encoder) fields(r *exporter.Record) map[string]string {
	if len(e.static) == 0 && len(e.recordFields) == 0 {
		return nil
	}
	out := make(map[string]string, len(e.static)+len(e.recordFields))
	for k, v := range e.static {
		out[k] = v
	}
	for _, n := range e.recordFields {
		if v := recordField(r, n); v != "" {
			out["github_"+n] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func recordField(r *exporter.Record, name string) string {
	switch name {
	case "source":
		return string(r.Source)
	case "action":
		return r.Action
	case "repo":
		return r.Repo
	case "org":
		return r.Org
	case "category":
		return string(r.Category)
	case "severity":
		if r.Alert != nil {
			return r.Alert.Severity
		}
	}
	return ""
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
