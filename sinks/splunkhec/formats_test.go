package splunkhec

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/ecs"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/ocsf"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

var formatsObserved = time.Date(2026, 1, 5, 9, 2, 0, 0, time.UTC)

// streamingConfig is audit_body: entry with ESCU's github_enterprise
// macro's source and sourcetype, as GitHub's audit-log streaming to HEC
// sends them.
func streamingConfig(c Config) Config {
	c.AuditBody = format.AuditBodyEntry
	c.Audit.Source, c.Audit.Sourcetype = "http:github", "httpevent"
	return c
}

// The event of an audit record is GitHub's entry, byte for byte, after the
// envelope's metadata; our id, origin and observed_at are indexed fields.
func TestEncode_AuditBodyEntry_GitHubsBytes(t *testing.T) {
	c := streamingConfig(DefaultConfig())
	c.Fields = map[string]string{"env": "test"}
	enc := newEncoder(c, "h")
	for _, r := range formattest.Raw(t, formattest.Records(formatsObserved)) {
		b, err := enc.encodeRaw(&r)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Source, Sourcetype string
			Fields             map[string]string
			Event              json.RawMessage
		}
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, b)
		}
		if r.Head.Category != exporter.CategoryAudit {
			if want, _ := newEncoder(DefaultConfig(), "h").encodeRaw(&r); env.Sourcetype != DefaultAlertSourcetype || !strings.HasSuffix(string(b), `"event":`+string(r.JSON)+"}") {
				t.Errorf("alert event changed: %s\nwant %s", b, want)
			}
			continue
		}
		var rec exporter.Record
		_ = recordjson.UnmarshalRecord(r.JSON, &rec)
		entry := formattest.Entries[0]
		for _, e := range formattest.Entries {
			if strings.Contains(e, rec.Audit.DocumentID) {
				entry = e
			}
		}
		if !strings.HasSuffix(string(b), `"event":`+entry+"}") {
			t.Errorf("event is not GitHub's entry:\n%s\nwant …\"event\":%s}", b, entry)
		}
		want := map[string]string{"env": "test", FieldID: rec.ID, FieldOrigin: "poll", FieldObservedAt: "2026-01-05T09:02:00Z"}
		if env.Source != "http:github" || env.Sourcetype != "httpevent" || !reflect.DeepEqual(env.Fields, want) {
			t.Errorf("source %q sourcetype %q fields %v; want http:github httpevent %v", env.Source, env.Sourcetype, env.Fields, want)
		}
	}
}

// schema: ocsf and ecs put their mapper's rendering in the event, or
// dead-letter the record with its error.
func TestEncode_SchemaCallsTheMapper(t *testing.T) {
	for schema, marshal := range map[string]func(*exporter.Record) ([]byte, error){format.SchemaOCSF: ocsf.Marshal, format.SchemaECS: ecs.Marshal} {
		c := DefaultConfig()
		c.Schema = schema
		enc := newEncoder(c, "h")
		recs := formattest.Records(formatsObserved)
		for i, r := range formattest.Raw(t, recs) {
			want, wantErr := marshal(&recs[i])
			b, err := enc.encodeRaw(&r)
			switch {
			case wantErr != nil:
				if err == nil || !strings.Contains(err.Error(), wantErr.Error()) {
					t.Errorf("%s: %v, want the mapper's error %v", schema, err, wantErr)
				}
			case err != nil || !sameJSON(eventOf(b), want):
				// the same JSON, not the same bytes: the sink renders the
				// record as stored, whose raw audit entry escapes <, > and
				// & as \u003c… where the record in memory has them as is
				t.Errorf("%s: %s (%v), want the event %s", schema, b, err, want)
			}
		}
	}
}

// End to end through the OpenTelemetry Collector's splunk_hec receiver:
// audit records arrive as GitHub's entries under ESCU's source and
// sourcetype with our metadata in indexed fields; alert records as
// records. A record the mapper refuses would be dead-lettered alone.
func TestSend_Otelcol_AuditBodyEntry(t *testing.T) {
	h := receivers.StartOtelcolHEC(t, receivers.OtelcolHECOptions{})
	c := streamingConfig(otelcolConfig(t, h))
	c.Audit.Index = "github"
	s := newSink(t, c)
	recs := formattest.Records(formatsObserved)
	if err := s.SendRaw(context.Background(), formattest.Raw(t, recs)); err != nil {
		t.Fatal(err)
	}
	evs := h.WaitEvents(t, len(recs), 20*time.Second)
	byID := map[string]receivers.HECEvent{}
	for _, ev := range evs {
		if id, ok := ev.Fields[FieldID].(string); ok {
			byID[id] = ev
			continue
		}
		var r exporter.Record
		if err := json.Unmarshal(ev.Event, &r); err != nil || r.Category != exporter.CategoryAlert {
			t.Fatalf("an event without ghsec_id is not an alert record: %s", ev.Event)
		}
		byID[r.ID] = ev
	}
	for _, r := range recs {
		ev, ok := byID[r.ID]
		if !ok {
			t.Fatalf("record %s did not arrive", r.ID)
		}
		if r.Category != exporter.CategoryAudit {
			continue
		}
		// the receiver re-encodes the event (numbers as doubles): compare
		// as JSON values
		var got, want map[string]any
		if err := json.Unmarshal(ev.Event, &got); err != nil {
			t.Fatal(err)
		}
		_ = json.Unmarshal(r.Audit.Entry, &want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("event\n got %v\nwant %v", got, want)
		}
		if ev.Source != "http:github" || ev.Sourcetype != "httpevent" || ev.Index != "github" ||
			ev.Fields[FieldOrigin] != "poll" || ev.Fields[FieldObservedAt] != "2026-01-05T09:02:00Z" || ev.Fields["env"] != "test" {
			t.Errorf("record %s: source %q sourcetype %q index %q fields %v", r.ID, ev.Source, ev.Sourcetype, ev.Index, ev.Fields)
		}
		if d := ev.Time.Sub(r.Time); d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("record %s: time %s, want the entry's @timestamp %s", r.ID, ev.Time, r.Time)
		}
	}
}

// eventOf is the envelope's event member, nil when b is not an envelope.
func eventOf(b []byte) []byte {
	var env struct {
		Event json.RawMessage `json:"event"`
	}
	if json.Unmarshal(b, &env) != nil {
		return nil
	}
	return env.Event
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}
