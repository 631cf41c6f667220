package splunkcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/ocsf"
)

// audit_body: entry: an audit record's body is GitHub's entry with our
// metadata under _ghsec (the SDK re-encodes it: compared as JSON); alert
// records stay records; schema: ocsf reaches the mapper.
func TestSendRaw_AuditBodyEntry(t *testing.T) {
	f := newFakeIngest(t)
	c := testConfig(t, f)
	c.AuditBody = format.AuditBodyEntry
	recs := formattest.Records(time.Date(2026, 1, 5, 9, 2, 0, 0, time.UTC))
	if err := newSink(t, c).SendRaw(context.Background(), formattest.Raw(t, recs)); err != nil {
		t.Fatal(err)
	}
	if len(f.events) != len(recs) {
		t.Fatalf("%d events, want %d", len(f.events), len(recs))
	}
	for i, ev := range f.events {
		r := &recs[i]
		var got, want map[string]any
		if err := json.Unmarshal(ev["body"], &got); err != nil {
			t.Fatal(err)
		}
		if r.Category != exporter.CategoryAudit {
			if got["id"] != r.ID || got["schema"] == nil {
				t.Errorf("alert body is not the record: %s", ev["body"])
			}
			continue
		}
		body, _ := format.Render(r, nil, c.Options)
		_ = json.Unmarshal(body, &want)
		if fmt.Sprint(got) != fmt.Sprint(want) || !strings.Contains(string(ev["body"]), `"_ghsec":{"id":"`+r.ID+`"`) {
			t.Errorf("body\n got %s\nwant %s", ev["body"], body)
		}
	}

	c.AuditBody, c.Schema = "", format.SchemaOCSF
	err := newSink(t, c).SendRaw(context.Background(), formattest.Raw(t, recs[:1]))
	if _, merr := ocsf.Marshal(&recs[0]); merr != nil && (err == nil || !strings.Contains(err.Error(), merr.Error())) {
		t.Errorf("schema: ocsf = %v, want the mapper's error %v", err, merr)
	}
}
