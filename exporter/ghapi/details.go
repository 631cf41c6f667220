package ghapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// detailMembers are the members behind exporter.AlertDetails, which
// go-github v62 does not model, as the object's decode found them. Each is
// read on its own: a malformed one is left out of the record, and neither
// the alert nor the other members suffer for it.
type detailMembers struct {
	// secret scanning alerts
	Provider              json.RawMessage `json:"provider"`
	ProviderSlug          json.RawMessage `json:"provider_slug"`
	FirstLocationDetected json.RawMessage `json:"first_location_detected"`
	HasMoreLocations      json.RawMessage `json:"has_more_locations"`
	MultiRepo             json.RawMessage `json:"multi_repo"`
	IsBase64Encoded       json.RawMessage `json:"is_base64_encoded"`

	// a Dependabot alert's security_advisory's epss, which decodeObject
	// takes from dependabotAdvisory (unexported: no decoder sets it)
	epss json.RawMessage
}

// maxLocationBytes bounds the first location a record carries: GitHub's
// is a few hundred bytes, and every record of the alert repeats it.
const maxLocationBytes = 4096

func (d *detailMembers) apply(o *exporter.Observation) {
	if d.absent() {
		return // most alerts: a decode of nothing still costs an error each
	}
	det := &o.Details
	det.Provider = optString(d.Provider)
	det.ProviderSlug = optString(d.ProviderSlug)
	det.HasMoreLocations = optBool(d.HasMoreLocations)
	det.MultiRepo = optBool(d.MultiRepo)
	det.IsBase64Encoded = optBool(d.IsBase64Encoded)
	if loc := bytes.TrimSpace(d.FirstLocationDetected); len(loc) > 0 && loc[0] == '{' {
		var buf bytes.Buffer
		if json.Compact(&buf, loc) == nil && buf.Len() <= maxLocationBytes {
			det.FirstLocationDetected = validUTF8JSON(buf.Bytes())
		}
	}
	var epss *struct {
		Percentage *looseFloat `json:"percentage"`
		Percentile *looseFloat `json:"percentile"`
	}
	if d.epss != nil && json.Unmarshal(d.epss, &epss) == nil && epss != nil && inRange(epss.Percentage, 100) && inRange(epss.Percentile, 100) {
		det.EPSS = &exporter.EPSS{Percentage: float64(*epss.Percentage), Percentile: float64(*epss.Percentile)}
	}
}

// looseFloat is a JSON number, or a string holding one: GitHub's own
// example gives an EPSS percentile as "0.16001e0".
type looseFloat float64

func (f *looseFloat) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("not a number: %w", err)
	}
	*f = looseFloat(v)
	return nil
}

// inRange reports whether v is a number in [0, hi] (NaN is not).
func inRange(v *looseFloat, hi float64) bool { return v != nil && *v >= 0 && float64(*v) <= hi }

// absent reports whether the object had none of the members.
func (d *detailMembers) absent() bool {
	return d.Provider == nil && d.ProviderSlug == nil && d.FirstLocationDetected == nil && d.HasMoreLocations == nil &&
		d.MultiRepo == nil && d.IsBase64Encoded == nil && d.epss == nil
}

func optString(raw json.RawMessage) string {
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func optBool(raw json.RawMessage) *bool {
	var b *bool
	if raw == nil || json.Unmarshal(raw, &b) != nil {
		return nil
	}
	return b
}
