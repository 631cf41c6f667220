package syslog

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/ecs"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/ocsf"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

var formatsObserved = time.Date(2026, 1, 5, 9, 2, 0, 0, time.UTC)

// entryRecords are formattest's records with ids unique per tag.
func entryRecords(tag string) []exporter.Record {
	recs := formattest.Records(formatsObserved)
	for i := range recs {
		recs[i].ID = fmt.Sprintf("%s-%d-%s", tag, i, recs[i].ID[:8])
	}
	return recs
}

// audit_body: entry through rsyslog and syslog-ng: on rfc5424 the message
// is GitHub's entry byte for byte, our id, origin and observed_at in the
// structured data; on rfc3164, which has none, the entry carries them as
// its last member _ghsec. Alert records stay normalized records.
func TestReceivers_AuditBodyEntry(t *testing.T) {
	for _, rname := range receiverNames {
		t.Run(rname, func(t *testing.T) {
			r := startReceiver(t, rname)
			t.Run("rfc5424", func(t *testing.T) {
				cfg := r.sinkConfig(NetworkTCP)
				cfg.AuditBody = format.AuditBodyEntry
				batch := entryRecords("5424")
				sendUntilDelivered(t, newTestSink(t, cfg), batch)
				got, _ := r.waitIDs(t, ids(batch))
				for _, rec := range batch {
					m := got[rec.ID]
					if rec.Category != exporter.CategoryAudit {
						checkReceived(t, m, rec, cfg)
						continue
					}
					if m.Msg != string(rec.Audit.Entry) {
						t.Errorf("%s: message\n got %s\nwant %s", rec.ID, m.Msg, rec.Audit.Entry)
					}
					sd := m.SD[cfg.SDID]
					if sd["origin"] != "poll" || sd["observedAt"] != "2026-01-05T09:02:00Z" || sd["action"] != rec.Action || sd["category"] != "audit" {
						t.Errorf("%s: structured data %v", rec.ID, sd)
					}
				}
			})
			t.Run("rfc3164", func(t *testing.T) {
				cfg := r.sinkConfig(NetworkTCP)
				cfg.Format, cfg.AuditBody = FormatRFC3164, format.AuditBodyEntry
				batch := entryRecords("3164")
				sendUntilDelivered(t, newTestSink(t, cfg), batch)
				want := map[string]string{}
				for _, rec := range batch {
					if rec.Category == exporter.CategoryAudit {
						e := string(rec.Audit.Entry)
						want[rec.ID] = e[:len(e)-1] + `,"_ghsec":{"id":"` + rec.ID + `","origin":"poll","observed_at":"2026-01-05T09:02:00Z"}}`
					}
				}
				seen := map[string]string{}
				if !receivers.Poll(30*time.Second, func() bool {
					for _, m := range r.read(t) {
						// rsyslog keeps the space after RFC 3164's tag in msg
						msg := strings.TrimPrefix(m.Msg, " ")
						var v struct {
							Meta struct{ ID string } `json:"_ghsec"`
						}
						if json.Unmarshal([]byte(msg), &v) == nil && want[v.Meta.ID] != "" {
							seen[v.Meta.ID] = msg
						}
					}
					return len(seen) == len(want)
				}) {
					t.Fatalf("%d of %d entries arrived\n%s", len(seen), len(want), r.proc.Log())
				}
				for id, w := range want {
					if seen[id] != w {
						t.Errorf("%s: message\n got %s\nwant %s", id, seen[id], w)
					}
				}
			})
		})
	}
}

// schema: ocsf / ecs make the JSON body the mapper's rendering, or reject
// the record with its error while the rest go out.
func TestFormatter_SchemaCallsTheMapper(t *testing.T) {
	for schema, marshal := range map[string]func(*exporter.Record) ([]byte, error){format.SchemaOCSF: ocsf.Marshal, format.SchemaECS: ecs.Marshal} {
		f := testFormatter(t, func(c *Config) { c.Schema = schema })
		for _, rec := range formattest.Records(formatsObserved) {
			want, wantErr := marshal(&rec)
			msg, err := f.appendMessage(nil, &rec)
			switch {
			case wantErr != nil:
				if err == nil || !strings.Contains(err.Error(), wantErr.Error()) {
					t.Errorf("%s: %v, want the mapper's error %v", schema, err, wantErr)
				}
			case err != nil || !strings.HasSuffix(string(msg), "] "+string(want)):
				t.Errorf("%s: %s (%v), want the body %s", schema, msg, err, want)
			}
		}
	}
}

func TestConfig_Validate_OptionsNeedJSONBody(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Address, cfg.Body, cfg.Schema, cfg.AuditBody = "127.0.0.1:514", BodyCEF, format.SchemaOCSF, format.AuditBodyEntry
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "schema: applies to body: json only") || !strings.Contains(err.Error(), "audit_body: applies to body: json only") {
		t.Errorf("Validate = %v", err)
	}
	cfg.Schema, cfg.AuditBody = "bogus", ""
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "schema: must be record, ocsf or ecs") {
		t.Errorf("Validate = %v", err)
	}
}
