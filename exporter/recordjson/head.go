package recordjson

import (
	"fmt"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// head is the part of a stored record DecodeHead reads: the fields of
// exporter.RecordHead, with Record's names and types, so an entry decodes
// here exactly when those fields would decode into a Record.
type head struct {
	Schema      int               `json:"schema"`
	ID          string            `json:"id"`
	Time        time.Time         `json:"time"`
	ObservedAt  time.Time         `json:"observed_at"`
	Category    exporter.Category `json:"category"`
	Source      exporter.Source   `json:"source"`
	Action      string            `json:"action"`
	Org         string            `json:"org"`
	Repo        string            `json:"repo"`
	Origin      exporter.Origin   `json:"origin"`
	Enterprise  string            `json:"enterprise"`
	AlertSource exporter.Source   `json:"alert_source"`
	Alert       *struct {
		Severity string `json:"severity"`
		Number   int    `json:"number"`
	} `json:"alert"`
}

// DecodeHead checks a stored record and reads its head: the whole entry
// must be one JSON value (the grammar encoding/json accepts) whose head
// fields have the types a decode into Record requires, and whose id is
// set. Members outside the head are checked for syntax only and never
// built, which is what makes it several times cheaper than decoding the
// Record. It fails with an error wrapping exporter.ErrNotRecord otherwise,
// and the delivery loop dead-letters that entry instead of sending it.
func DecodeHead(raw []byte) (exporter.RecordHead, error) {
	var h head
	if err := json.Unmarshal(raw, &h); err != nil {
		return exporter.RecordHead{}, fmt.Errorf("%w: %w", exporter.ErrNotRecord, err)
	}
	if h.ID == "" {
		return exporter.RecordHead{}, fmt.Errorf("%w: no id", exporter.ErrNotRecord)
	}
	return h.recordHead(), nil
}

// recordHead is the head as RecordHead carries it.
func (h *head) recordHead() exporter.RecordHead {
	out := exporter.RecordHead{Schema: h.Schema, ID: h.ID, Time: h.Time, ObservedAt: h.ObservedAt, Category: h.Category,
		Source: h.Source, Action: h.Action, Org: h.Org, Repo: h.Repo,
		Origin: h.Origin, Enterprise: h.Enterprise, AlertSource: h.AlertSource}
	if h.Alert != nil {
		out.Severity, out.AlertNumber = h.Alert.Severity, h.Alert.Number
	}
	return out
}
