package splunkhec

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
)

func TestHECTime(t *testing.T) {
	tests := []struct {
		t, observed time.Time
		want        json.Number
	}{
		{time.Date(2026, 1, 5, 9, 0, 0, 123_456_789, time.UTC), time.Time{}, "1767603600.123"},
		{time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), time.Time{}, "1767603600.000"},
		{time.Date(2026, 1, 5, 10, 0, 0, 7_000_000, time.FixedZone("CET", 3600)), time.Time{}, "1767603600.007"},
		{time.Time{}, time.Date(2026, 1, 5, 9, 0, 1, 500_000_000, time.UTC), "1767603601.500"},
		{time.Time{}, time.Time{}, ""},
		{time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), time.Time{}, "-1.000"},
	}
	for _, tt := range tests {
		if got := hecTime(tt.t, tt.observed); got != tt.want {
			t.Errorf("hecTime(%s, %s) = %q, want %q", tt.t, tt.observed, got, tt.want)
		}
	}
}

func TestEncoder_Encode(t *testing.T) {
	c := DefaultConfig()
	c.Alert.Index = "security"
	c.Audit = Target{Index: "audit", Source: "ghsec", Sourcetype: "custom:audit"}
	c.Fields = map[string]string{"env": "prod"}
	c.RecordFields = []string{"source", "action", "repo", "severity"}
	enc := newEncoder(c, "exporter-1")
	recs := testRecords(5)
	tests := []struct {
		name string
		rec  exporter.Record
		want string
	}{
		{"alert", recs[0], `{"time":"1767603600.123","host":"exporter-1","source":"github:dependabot","sourcetype":"github:security:alert","index":"security",` +
			`"fields":{"env":"prod","github_action":"dismissed","github_repo":"acme/service-000","github_severity":"critical","github_source":"dependabot"}}`},
		{"audit", recs[4], `{"time":"1767603604.123","host":"exporter-1","source":"ghsec","sourcetype":"custom:audit","index":"audit",` +
			`"fields":{"env":"prod","github_action":"secret_scanning_alert.resolve","github_repo":"acme/service-004","github_source":"audit_log"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := enc.encode(&tt.rec)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]json.RawMessage
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("envelope is not JSON: %v\n%s", err, b)
			}
			var ev exporter.Record
			if err := json.Unmarshal(got["event"], &ev); err != nil || ev.ID != tt.rec.ID {
				t.Fatalf("event = %s (%v), want the record %s", got["event"], err, tt.rec.ID)
			}
			delete(got, "event")
			// time must be a JSON number, not a string
			if string(got["time"])[0] == '"' {
				t.Errorf("time %s is a string", got["time"])
			}
			got["time"] = json.RawMessage(`"` + string(got["time"]) + `"`)
			meta, _ := json.Marshal(got)
			var want map[string]json.RawMessage
			_ = json.Unmarshal([]byte(tt.want), &want)
			wantMeta, _ := json.Marshal(want)
			if string(meta) != string(wantMeta) {
				t.Errorf("envelope metadata\n got %s\nwant %s", meta, wantMeta)
			}
		})
	}
}

func TestEncoder_Defaults(t *testing.T) {
	enc := newEncoder(DefaultConfig(), "h")
	r := testRecords(1)[0]
	b, err := enc.encode(&r)
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]any
	_ = json.Unmarshal(b, &env)
	if env["sourcetype"] != DefaultAlertSourcetype || env["source"] != "github:dependabot" {
		t.Errorf("defaults: %v", env)
	}
	if _, ok := env["index"]; ok {
		t.Errorf("index set without config: %v", env["index"])
	}
	if _, ok := env["fields"]; ok {
		t.Errorf("fields set without config: %v", env["fields"])
	}
}

func TestEncoder_InvalidRaw(t *testing.T) {
	r := testRecords(1)[0]
	r.Raw = json.RawMessage(`{not json`)
	if _, err := newEncoder(DefaultConfig(), "h").encode(&r); err == nil {
		t.Fatal("encode with invalid raw JSON succeeded")
	}
}

// The envelope built around the stored bytes is byte for byte the one
// json.Marshal of the envelope struct gives with the marshalled record as
// its event (the sink's encoding before it spliced stored bytes into an
// envelope marshalled once), for every config shape.
func TestEncoder_RawIsTheMarshalledEnvelope(t *testing.T) {
	full := DefaultConfig()
	full.Alert.Index = "security"
	full.Audit = Target{Index: "audit", Source: "ghsec", Sourcetype: "custom:audit"}
	full.Fields = map[string]string{"env": "prod <1>"}
	full.RecordFields = []string{"source", "action", "repo", "severity", "org", "category"}
	recs := testRecords(10)
	recs[1].Alert.Title = `<script>&"quoted"</script>`
	recs[2].Time = time.Time{}
	recs[3].Time, recs[3].ObservedAt = time.Time{}, time.Time{}
	for name, c := range map[string]Config{"defaults": DefaultConfig(), "everything set": full} {
		for _, host := range []string{"", "exporter-1"} {
			enc := newEncoder(c, host)
			for i := range recs {
				r := &recs[i]
				tgt := c.Alert
				if r.Category == exporter.CategoryAudit {
					tgt = c.Audit
				}
				stored, _ := json.Marshal(r)
				ref := envelope{Time: hecTime(r.Time, r.ObservedAt), Host: host, Source: tgt.Source, Sourcetype: tgt.Sourcetype,
					Index: tgt.Index, Fields: splunk.Fields(c.Fields, c.RecordFields, ptr(r.Head())), Event: stored}
				if ref.Source == "" {
					ref.Source = "github:" + string(r.Source)
				}
				want, err := json.Marshal(&ref)
				if err != nil {
					t.Fatal(err)
				}
				h, err := recordjson.DecodeHead(stored)
				if err != nil {
					t.Fatal(err)
				}
				if got, _ := enc.encodeRaw(&exporter.RawRecord{JSON: stored, Head: h}); string(got) != string(want) {
					t.Errorf("%s, host %q, record %d:\n got %s\nwant %s", name, host, i, got, want)
				}
				if got, _ := enc.encode(r); string(got) != string(want) {
					t.Errorf("%s, host %q, record %d via encode:\n got %s\nwant %s", name, host, i, got, want)
				}
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }
