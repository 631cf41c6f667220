package kafka

import (
	"bytes"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

// Keyed by alert, every record about one alert (its transitions, the
// audit entry and the request naming it) shares a key and so a partition,
// in outbox order; a record about no alert is keyed by its id. Send and
// SendRaw build the same messages.
func TestKafka_KeyByAlert_OrderPerAlert(t *testing.T) {
	c := newCluster(t)
	cfg := testConfig(c)
	cfg.Key = KeyAlert
	s := newSink(t, cfg)
	recs := sinktest.Records(60)
	for i := range recs {
		r := &recs[i]
		r.Repo, r.Alert.Number = "acme/api", 1+i%3 // three alerts, twenty records each
		r.Time = r.Time.Add(time.Duration(i) * time.Minute)
		r.ID = exporter.AlertRecordID(r.Source, r.Repo, r.Alert.Number, r.Action, r.Time)
	}
	audit := recs[59]
	audit.ID, audit.Category, audit.Source, audit.AlertSource = "audit-1", exporter.CategoryAudit, exporter.SourceAuditLog, exporter.SourceDependabot
	audit.Alert = &exporter.AlertInfo{Number: 2}
	audit.Audit = &exporter.AuditInfo{Action: "x", DocumentID: "d", Entry: []byte(`{"action":"x"}`)}
	plain := audit
	plain.ID, plain.AlertSource, plain.Alert = "audit-2", "", nil
	recs = append(recs[:59], audit, plain)

	key := func(r *exporter.Record) string {
		h := r.Head()
		return string(newMessages(1).add(s, &h, nil, nil).Key)
	}
	for i := range recs {
		want := key(&recs[i])
		js, err := recordjson.MarshalRecord(&recs[i])
		if err != nil {
			t.Fatal(err)
		}
		h, err := recordjson.DecodeHead(js)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(newMessages(1).add(s, &h, js, nil).Key); got != want {
			t.Fatalf("record %d: key from the stored record %q, from the record %q", i, got, want)
		}
	}
	if k := key(&recs[59]); k != "dependabot/acme/api#2" {
		t.Fatalf("audit record naming an alert keyed %q", k)
	}
	if k := key(&recs[60]); k != "audit-2" {
		t.Fatalf("audit record naming no alert keyed %q", k)
	}

	drain(t, sinktest.New(t, s, recs))
	got := consume(t, s, len(recs), topicAlerts, topicOther)
	partition := map[string]int32{}
	last := map[string]time.Time{}
	for _, m := range got {
		k := string(m.Key)
		if m.Topic != topicAlerts {
			continue
		}
		if p, ok := partition[k]; ok && p != m.Partition {
			t.Fatalf("key %s on partitions %d and %d", k, p, m.Partition)
		}
		partition[k] = m.Partition
		h, err := recordjson.DecodeHead(m.Value)
		if err != nil {
			t.Fatal(err)
		}
		if h.Time.Before(last[k]) {
			t.Fatalf("key %s: record of %s after one of %s", k, h.Time, last[k])
		}
		last[k] = h.Time
	}
	if len(partition) != 3 {
		t.Fatalf("%d alert keys, want 3: %v", len(partition), partition)
	}
}

// With audit_body: entry, an audit record's value is GitHub's entry and
// our id, origin and observed_at travel in headers; schema: ocsf renders
// the rest.
func TestKafka_Formats_EntryAndOCSF(t *testing.T) {
	c := newCluster(t)
	cfg := testConfig(c)
	cfg.Options = format.Options{Schema: format.SchemaOCSF, AuditBody: format.AuditBodyEntry}
	s := newSink(t, cfg)
	recs := mixedRecords(10) // records 4 and 9 are audit records
	h := sinktest.New(t, s, recs)
	drain(t, h)
	if st := h.Deliverer.Health(); st.Delivered != len(recs) {
		t.Fatalf("health %+v", st)
	}
	got := consume(t, s, len(recs), topicAlerts, topicOther)
	byID := map[string]*exporter.Record{}
	for i := range recs {
		byID[recs[i].ID] = &recs[i]
	}
	for _, m := range got {
		id := header(m, HeaderID)
		rec := byID[id]
		switch {
		case rec.Category == exporter.CategoryAudit:
			if !bytes.Equal(m.Value, rec.Audit.Entry) || header(m, HeaderBody) != "entry" || header(m, HeaderOrigin) != string(rec.Origin) || header(m, HeaderObservedAt) == "" {
				t.Fatalf("audit entry message: %s %v", m.Value, m.Headers)
			}
		case header(m, HeaderBody) != "ocsf" || bytes.Contains(m.Value, []byte(`"schema":1`)):
			t.Fatalf("record %s: body %s, headers %v", id, m.Value, m.Headers)
		}
	}
}

// Keyed by record id a prepared batch may be started while the batch
// before it is in flight; keyed by alert it may not, so that an alert's
// records never overtake one another.
func TestKafka_PipelinedOnlyKeyedByRecordID(t *testing.T) {
	c := newCluster(t)
	for _, key := range []string{KeyRecordID, KeyAlert} {
		cfg := testConfig(c)
		cfg.Key = key
		s := newSink(t, cfg)
		_, pipelined := s.PrepareRaw(nil).(exporter.PipelinedSend)
		if pipelined != (key == KeyRecordID) {
			t.Errorf("key %s: pipelined %v", key, pipelined)
		}
	}
}
