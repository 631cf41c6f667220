package elasticsearch

import (
	"bytes"
	"encoding/json"
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
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/batching"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

func decodeMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, b)
	}
	return m
}

// Every schema and audit body: the action line creates the record's id in
// its category's index, the document is the rendered body, and
// @timestamp is the record's time where the body has none of its own
// (record, ocsf), the body's own where it has (ecs, GitHub's entries).
func TestEncode_SchemasAndTimestamp(t *testing.T) {
	recs := auditAndAlerts(t)
	for _, o := range sinktest.Formats() {
		t.Run(o.Schema+"/"+o.AuditBody, func(t *testing.T) {
			c := DefaultConfig()
			c.Options, c.AuditIndex = o, "github-audit"
			enc := newEncoder(c)
			raws := formattest.Raw(t, recs)
			for i := range raws {
				b, err := enc.appendRaw(nil, &raws[i])
				if err != nil {
					t.Fatal(err)
				}
				// the same record decoded from the outbox, as Send gets it
				var back exporter.Record
				if err := recordjson.UnmarshalRecord(raws[i].JSON, &back); err != nil {
					t.Fatal(err)
				}
				fromRec, err := enc.appendRecord(nil, &back)
				if err != nil || !bytes.Equal(fromRec, b) {
					t.Errorf("Send and SendRaw differ (%v):\n%s\n%s", err, fromRec, b)
				}
				lines := strings.Split(string(b), "\n")
				if len(lines) != 3 || lines[2] != "" {
					t.Fatalf("want two lines and a newline: %q", b)
				}
				r := recs[i]
				index := DefaultIndex
				if r.Category == exporter.CategoryAudit {
					index = "github-audit"
				}
				if want := `{"create":{"_index":"` + index + `","_id":"` + r.ID + `"}}`; lines[0] != want {
					t.Errorf("action %s, want %s", lines[0], want)
				}
				doc := decodeMap(t, []byte(lines[1]))
				ts := doc["@timestamp"]
				delete(doc, "@timestamp")
				var body []byte
				own := "" // the body whose own @timestamp the document keeps
				switch {
				case o.Entry(r.Category):
					e, _ := format.Entry(&r)
					body, own = format.AppendMeta(e, &format.Meta{ID: r.ID, Origin: r.Origin, ObservedAt: r.ObservedAt}), "GitHub's entry"
				case o.Schema == format.SchemaECS:
					body, _ = ecs.Marshal(&r)
					own = "the ecs document"
				case o.Schema == format.SchemaOCSF:
					body, _ = ocsf.Marshal(&r)
				default:
					body, _ = recordjson.MarshalRecord(&r)
				}
				want := decodeMap(t, body)
				if own != "" {
					if ts != want["@timestamp"] {
						t.Errorf("@timestamp %v, want that of %s, %v", ts, own, want["@timestamp"])
					}
					delete(want, "@timestamp")
				} else if ts != r.Time.UTC().Format(time.RFC3339Nano) {
					t.Errorf("@timestamp %v, want the record's time %s", ts, r.Time)
				}
				if !reflect.DeepEqual(doc, want) {
					t.Errorf("document\n%v\nwant\n%v", doc, want)
				}
			}
		})
	}
}

// An entry without @timestamp gets the record's time; a record without an
// id or whose entry is not an object is refused alone.
func TestEncode_EdgeCases(t *testing.T) {
	recs := auditAndAlerts(t)
	c := DefaultConfig()
	c.AuditBody = format.AuditBodyEntry
	enc := newEncoder(c)
	r := recs[0]
	r.Audit = &exporter.AuditInfo{Action: r.Action, DocumentID: "d", Entry: json.RawMessage(`{"action":"repo.create","created_at":1}`)}
	b, err := enc.appendRecord(nil, &r)
	if err != nil || !strings.Contains(string(b), `{"@timestamp":"`+r.Time.UTC().Format(time.RFC3339Nano)+`","action":"repo.create"`) {
		t.Errorf("%v: %s", err, b)
	}
	r.Audit.Entry = json.RawMessage(`[1]`)
	if b, err := enc.appendRecord([]byte("keep"), &r); err == nil || string(b) != "keep" {
		t.Errorf("an entry that is no object: %v, %q", err, b)
	}
	r = recs[1]
	r.ID = ""
	if _, err := enc.appendRecord(nil, &r); err == nil {
		t.Error("a record without id was encoded")
	}
}

func TestChunks(t *testing.T) {
	for _, tt := range []struct {
		sizes           []int
		maxDocs, maxLen int
		want            [][]int
	}{
		{[]int{10, 10, 10}, 2, 100, [][]int{{0, 1}, {2}}},
		{[]int{10, 0, 10, 10}, 5, 25, [][]int{{0, 2}, {3}}},
		{[]int{50, 10}, 5, 25, [][]int{{0}, {1}}},
		{[]int{0, 0}, 5, 25, nil},
	} {
		if got := batching.Chunks(tt.sizes, tt.maxDocs, tt.maxLen, 0); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("chunks(%v, %d, %d) = %v, want %v", tt.sizes, tt.maxDocs, tt.maxLen, got, tt.want)
		}
	}
}
