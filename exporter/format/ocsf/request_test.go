package ocsf

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/ocsf/internal/ocsfschema"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
)

// requestRecordJSON is a request record as the record type with requests
// writes it (docs/record.md, request).
const requestRecordJSON = `{"schema":1,"id":"5f0c","time":"2026-01-05T09:00:00Z","observed_at":"2026-01-05T09:01:00Z",
"category":"request","source":"code_scanning","action":"request_approved","origin":"poll","org":"acme","repo":"acme/api",
"actor":"lead","alert":{"number":7},"request":{"kind":"dismissal","target":"code_scanning","number":3,"id":99,
"status":"approved","previous_status":"pending","reason":"false positive","requester":"dev","requester_comment":"test fixture",
"reviewer":"lead","reviewer_comment":"agreed","self_reviewed":false,"alert_numbers":[7],"created_at":"2026-01-05T08:00:00Z",
"html_url":"https://github.com/acme/api/security/code-scanning/7"}}`

// requestOf reads the record's request, and its JSON is the record's
// request object byte for byte.
func TestRequestOf(t *testing.T) {
	var rec exporter.Record
	if err := recordjson.UnmarshalRecord([]byte(requestRecordJSON), &rec); err != nil {
		t.Fatal(err)
	}
	ri, raw, err := requestOf(&rec)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	want := &exporter.RequestInfo{Kind: "dismissal", Target: "code_scanning", Number: 3, ID: 99, Status: "approved",
		PreviousStatus: "pending", Reason: "false positive", Requester: "dev", RequesterComment: "test fixture",
		Reviewer: "lead", ReviewerComment: "agreed", AlertNumbers: []int{7}, CreatedAt: &created,
		HTMLURL: "https://github.com/acme/api/security/code-scanning/7"}
	if !reflect.DeepEqual(ri, want) {
		t.Errorf("request = %+v, want %+v", ri, want)
	}
	stored, err := recordjson.MarshalRecord(&rec)
	if err != nil {
		t.Fatal(err)
	}
	var holder struct {
		Request json.RawMessage `json:"request"`
	}
	if err := json.Unmarshal(stored, &holder); err != nil {
		t.Fatal(err)
	}
	if string(raw) != string(holder.Request) {
		t.Errorf("raw request\n %s\nwant the record's\n %s", raw, holder.Request)
	}
	if _, _, err := requestOf(&exporter.Record{Category: exporter.CategoryRequest}); !errors.Is(err, ErrIncomplete) {
		t.Errorf("without request: %v, want ErrIncomplete", err)
	}
}

// TestMapRequest maps request records of every action to Detection
// Findings and checks them against the schema.
func TestMapRequest(t *testing.T) {
	s := ocsfschema.Load(t)
	var base exporter.Record
	if err := json.Unmarshal([]byte(requestRecordJSON), &base); err != nil {
		t.Fatal(err)
	}
	_, raw, err := requestOf(&base)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind, target, action, status string
		alert                        int
		activity, findingStatus      int64
	}{
		{"dismissal", "code_scanning", "request_created", "pending", 7, 1, 1},
		{"dismissal", "code_scanning", "request_approved", "approved", 7, 3, 4},
		{"dismissal", "dependabot", "request_denied", "denied", 7, 3, 4},
		{"dismissal", "secret_scanning", "request_cancelled", "cancelled", 0, 3, 5},
		{"bypass", "secret_scanning", "request_created", "pending", 0, 1, 1},
		{"bypass", "secret_scanning", "request_approved", "approved", 0, 2, 2},
		{"bypass", "secret_scanning", "request_completed", "completed", 0, 3, 4},
		{"bypass", "push_rules", "request_expired", "expired", 0, 3, 5},
		{"bypass", "push_rules", "request_status_changed", "deleted", 0, 2, 99},
	} {
		rec := base
		rec.Action, rec.Source, rec.Alert, rec.Request = tc.action, exporter.Source(tc.target), nil, nil
		if tc.alert != 0 {
			rec.Alert = &exporter.AlertInfo{Number: tc.alert}
		}
		ri := &exporter.RequestInfo{Kind: tc.kind, Target: tc.target, Number: 3, Status: tc.status, Requester: "dev"}
		if tc.status != "pending" {
			ri.Reviewer = "lead"
		}
		ev, err := Encoder{}.event(&rec)
		if !errors.Is(err, ErrIncomplete) || ev != nil {
			t.Fatalf("a record without its request object: %v", err)
		}
		ev = &event{Metadata: metadata{Version: SchemaVersion, UID: rec.ID, Product: product{Name: ProductName}}, Unmapped: &unmapped{}}
		ev.Time = rec.Time.UnixMilli()
		mapRequest(ev, &rec, ri, raw)
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		got := checkBytes(t, s, b, tc.kind+" "+tc.target+" "+tc.action)
		if g := []any{get(got, "class_uid"), get(got, "activity_id"), get(got, "status_id")}; !reflect.DeepEqual(g, []any{int64(2004), tc.activity, tc.findingStatus}) {
			t.Errorf("%s %s %s: (class, activity, status) = %v, want (2004, %d, %d)", tc.kind, tc.target, tc.action, g, tc.activity, tc.findingStatus)
		}
		if want := RequestFindingUID(tc.kind, tc.target, "acme/api", 3); get(got, "finding_info.uid") != want {
			t.Errorf("finding_info.uid = %v, want %s", get(got, "finding_info.uid"), want)
		}
		rel, _ := get(got, "finding_info.related_events").([]any)
		if tc.alert != 0 && (len(rel) != 1 || get(rel[0].(map[string]any), "uid") != FindingUID(exporter.Source(tc.target), "acme/api", 7)) {
			t.Errorf("related_events = %v, want the alert's finding", rel)
		}
	}
}
