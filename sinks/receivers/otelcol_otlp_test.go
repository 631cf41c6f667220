package receivers

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestParseOTLPLogs(t *testing.T) {
	// the shape the file exporter writes for one HEC event
	line := `{"resourceLogs":[{"resource":{"attributes":[` +
		`{"key":"host.name","value":{"stringValue":"exporter-1"}},` +
		`{"key":"com.splunk.source","value":{"stringValue":"github:dependabot"}},` +
		`{"key":"com.splunk.sourcetype","value":{"stringValue":"github:security:alert"}},` +
		`{"key":"com.splunk.index","value":{"stringValue":"security"}}]},` +
		`"scopeLogs":[{"scope":{},"logRecords":[{"timeUnixNano":"1767603600123000064",` +
		`"body":{"kvlistValue":{"values":[{"key":"id","value":{"stringValue":"abc"}},` +
		`{"key":"schema","value":{"doubleValue":1}},{"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"x"},{"boolValue":true}]}}},` +
		`{"key":"none","value":{}}]}},` +
		`"attributes":[{"key":"env","value":{"stringValue":"test"}},{"key":"n","value":{"intValue":"7"}}]}]}]}]}`
	evs, err := parseOTLPLogs([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1", len(evs))
	}
	ev := evs[0]
	if ev.Host != "exporter-1" || ev.Source != "github:dependabot" || ev.Sourcetype != "github:security:alert" || ev.Index != "security" {
		t.Errorf("metadata %+v", ev)
	}
	if want := time.Date(2026, 1, 5, 9, 0, 0, 123000064, time.UTC); !ev.Time.Equal(want) {
		t.Errorf("time %s, want %s", ev.Time, want)
	}
	var body map[string]any
	if err := json.Unmarshal(ev.Event, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"id": "abc", "schema": 1.0, "tags": []any{"x", true}, "none": nil}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("event %v, want %v", body, want)
	}
	if !reflect.DeepEqual(ev.Fields, map[string]any{"env": "test", "n": int64(7)}) {
		t.Errorf("fields %v", ev.Fields)
	}
}

func TestParseOTLPLogRecords(t *testing.T) {
	// the shape the file exporter writes for one OTLP request
	line := `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"ghsec-exporter"}}]},` +
		`"scopeLogs":[{"scope":{"name":"s","version":"v1"},"logRecords":[{"timeUnixNano":"1767603600123000064",` +
		`"observedTimeUnixNano":"1767603660000000000","severityNumber":17,"severityText":"high",` +
		`"body":{"stringValue":"{\"id\":\"abc\",\"n\":1.50,\"s\":\"\u003cx\u003e\"}"},` +
		`"attributes":[{"key":"ghsec.id","value":{"stringValue":"abc"}},{"key":"ghsec.alert.number","value":{"intValue":"7"}}]}]}]}]}`
	recs, err := parseOTLPLogRecords([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	r := recs[0]
	want := OTLPLogRecord{
		Resource: map[string]any{"service.name": "ghsec-exporter"}, Scope: "s", ScopeVersion: "v1",
		Time: time.Date(2026, 1, 5, 9, 0, 0, 123000064, time.UTC), ObservedTime: time.Date(2026, 1, 5, 9, 1, 0, 0, time.UTC),
		SeverityNumber: 17, SeverityText: "high", Body: `{"id":"abc","n":1.50,"s":"<x>"}`,
		BodyValue:  `{"id":"abc","n":1.50,"s":"<x>"}`,
		Attributes: map[string]any{"ghsec.id": "abc", "ghsec.alert.number": int64(7)},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("parsed\n%+v\nwant\n%+v", r, want)
	}
}
