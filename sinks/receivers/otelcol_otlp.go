package receivers

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// otlpKV and otlpAny are OTLP-JSON's attribute and AnyValue, as far as the
// file exporter writes them (otlpFullLogs is the document around them).
type otlpKV struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

type otlpAny struct {
	StringValue *string                             `json:"stringValue"`
	BoolValue   *bool                               `json:"boolValue"`
	IntValue    *json.Number                        `json:"intValue"`
	DoubleValue *float64                            `json:"doubleValue"`
	BytesValue  *string                             `json:"bytesValue"`
	ArrayValue  *struct{ Values []json.RawMessage } `json:"arrayValue"`
	KvlistValue *struct{ Values []otlpKV }          `json:"kvlistValue"`
}

// parseOTLPLogs turns one OTLP-JSON line into HEC events, mapping the
// receiver's com.splunk.* and host.name resource attributes back to HEC
// metadata.
func parseOTLPLogs(line []byte) ([]HECEvent, error) {
	recs, err := parseOTLPLogRecords(line)
	if err != nil {
		return nil, err
	}
	var out []HECEvent
	for _, r := range recs {
		meta := func(k string) string {
			if v, ok := r.Resource[k]; ok {
				return fmt.Sprint(v)
			}
			return ""
		}
		ev := HECEvent{
			Time: r.Time, Index: meta("com.splunk.index"), Source: meta("com.splunk.source"),
			Sourcetype: meta("com.splunk.sourcetype"), Host: meta("host.name"),
		}
		if ev.Event, err = json.Marshal(r.BodyValue); err != nil {
			return nil, err
		}
		if len(r.Attributes) > 0 {
			ev.Fields = r.Attributes
		}
		out = append(out, ev)
	}
	return out, nil
}

// anyValue converts an OTLP AnyValue to plain Go values (map, slice,
// string, float64, bool; int64 for intValue; nil for an empty value).
func anyValue(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var a otlpAny
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, err
	}
	switch {
	case a.StringValue != nil:
		return *a.StringValue, nil
	case a.BoolValue != nil:
		return *a.BoolValue, nil
	case a.IntValue != nil:
		return a.IntValue.Int64()
	case a.DoubleValue != nil:
		return *a.DoubleValue, nil
	case a.BytesValue != nil:
		return base64.StdEncoding.DecodeString(*a.BytesValue)
	case a.ArrayValue != nil:
		out := make([]any, 0, len(a.ArrayValue.Values))
		for _, v := range a.ArrayValue.Values {
			x, err := anyValue(v)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	case a.KvlistValue != nil:
		out := make(map[string]any, len(a.KvlistValue.Values))
		for _, kv := range a.KvlistValue.Values {
			x, err := anyValue(kv.Value)
			if err != nil {
				return nil, err
			}
			out[kv.Key] = x
		}
		return out, nil
	}
	return nil, nil
}
