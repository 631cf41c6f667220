package recordjson_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	. "github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
)

func headTestRecords() []Record {
	at := time.Date(2026, 1, 5, 9, 0, 0, 123456789, time.UTC)
	created := at.Add(-72 * time.Hour)
	alert := Record{
		Schema: 1, ID: AlertRecordID(SourceDependabot, "acme/api", 7, ActionDismissed, at), Time: at,
		ObservedAt: at.Add(time.Minute), Category: CategoryAlert, Source: SourceDependabot, Action: ActionDismissed,
		Origin: OriginPoll, Org: "acme", Repo: "acme/api", Actor: "octocat",
		Alert: &AlertInfo{Number: 7, State: "dismissed", PreviousState: "open", Severity: SeverityHigh, SeverityRaw: "high",
			Title: "Prototype pollution <in> lodash & co", GHSAID: "GHSA-p6mc-m468-83gw", Package: "lodash",
			Comment: "only used in build tooling", HTMLURL: "https://github.com/acme/api/security/dependabot/7",
			CreatedAt: &created, UpdatedAt: &at},
		Raw: json.RawMessage(`{"number":7,"state":"dismissed"}`),
	}
	audit := Record{
		Schema: 1, ID: AuditRecordID("doc-1"), Time: at.In(time.FixedZone("", 2*3600)), ObservedAt: at,
		Category: CategoryAudit, Source: SourceAuditLog, Action: "secret_scanning_alert.resolve", Origin: OriginPoll,
		Enterprise: "acme-corp", Org: "acme", Repo: "acme/api", AlertSource: SourceSecretScanning, Alert: &AlertInfo{Number: 3},
		Audit: &AuditInfo{Action: "secret_scanning_alert.resolve", DocumentID: "doc-1", Entry: json.RawMessage(`{"_document_id":"doc-1"}`)},
	}
	return []Record{alert, audit, {Schema: 1, ID: "bare"}}
}

// DecodeHead reads from the stored JSON exactly what Head takes from the
// record that was stored.
func TestDecodeHead_MatchesHead(t *testing.T) {
	for _, r := range headTestRecords() {
		raw, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := recordjson.DecodeHead(raw)
		if err != nil {
			t.Fatalf("DecodeHead(%s) = %v", raw, err)
		}
		want := r.Head()
		if !got.Time.Equal(want.Time) || !got.ObservedAt.Equal(want.ObservedAt) {
			t.Errorf("times %v %v, want %v %v", got.Time, got.ObservedAt, want.Time, want.ObservedAt)
		}
		got.Time, got.ObservedAt, want.Time, want.ObservedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("DecodeHead = %+v, want %+v", got, want)
		}
	}
}

// Every entry a full decode into Record refuses or leaves without an id,
// DecodeHead refuses too, so the delivery loop dead-letters the same
// entries whichever it uses. (A type error deep in a field the head skips,
// inside otherwise valid JSON that carries an id, is what it lets through:
// neither our encoder nor a torn or flipped byte produces that.)
func TestDecodeHead_RefusesWhatIsNotARecord(t *testing.T) {
	good, _ := json.Marshal(headTestRecords()[0])
	for name, raw := range map[string]string{
		"empty":            "",
		"truncated":        string(good[:len(good)/2]),
		"trailing garbage": string(good) + "x",
		"two objects":      string(good) + string(good),
		"not an object":    `["id","x"]`,
		"foreign object":   `{"foo":1}`,
		"empty id":         `{"schema":1,"id":""}`,
		"id of wrong type": `{"schema":1,"id":7}`,
		"bad time":         `{"schema":1,"id":"x","time":"yesterday"}`,
		"bad alert":        `{"schema":1,"id":"x","alert":"high"}`,
		"bad alert number": `{"schema":1,"id":"x","alert":{"number":"7"}}`,
		"bad origin":       `{"schema":1,"id":"x","origin":1}`,
		"flipped quote":    `{"schema":1,"id":"x","action:"created"}`,
		"binary":           "\x00\x01\x02",
	} {
		t.Run(name, func(t *testing.T) {
			var r Record
			fullOK := json.Unmarshal([]byte(raw), &r) == nil && r.ID != ""
			_, err := recordjson.DecodeHead([]byte(raw))
			if err == nil || !errors.Is(err, ErrNotRecord) {
				t.Fatalf("DecodeHead(%q) = %v, want ErrNotRecord", raw, err)
			}
			if fullOK {
				t.Errorf("a full decode accepts %q: the test's premise is wrong", raw)
			}
		})
	}
}

// The cost of the check the delivery loop makes on each stored record
// before a raw sink ships it, beside the full decode it replaces (which was
// followed by a full encode in the sink).
func BenchmarkDecodeHead(b *testing.B) {
	raw, _ := json.Marshal(headTestRecords()[0])
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := recordjson.DecodeHead(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeRecord(b *testing.B) {
	raw, _ := json.Marshal(headTestRecords()[0])
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		var r Record
		if err := json.Unmarshal(raw, &r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalRecord(b *testing.B) {
	raw, _ := json.Marshal(headTestRecords()[0])
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		var r Record
		if err := recordjson.UnmarshalRecord(raw, &r); err != nil {
			b.Fatal(err)
		}
	}
}

// DecodeHead accepts exactly the entries encoding/json decodes into the
// head's fields with an id set, and reads the same values from them; it
// refuses everything else, whatever is not JSON first.
func FuzzDecodeHead(f *testing.F) {
	for _, r := range headTestRecords() {
		raw, _ := json.Marshal(&r)
		f.Add(raw)
	}
	for _, s := range []string{`{"id":"x","alert":null}`, `{"id":"\u0078","repo":"a\"b","schema":1e0}`, `{"id":"x","time":null,"alert":{"severity":7}}`,
		`[1,2,{"a":[true,false,null,-0.5e+3]}]`, `{"id":"x"} `, "{\"id\":\"\xff\"}", `{"ID":"x","Alert":{"SEVERITY":"high"}}`, `{"id":"x","z":[1,2,}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := recordjson.DecodeHead(raw)
		want, stdErr := recordjson.StdDecodeHead(raw)
		if stdErr != nil || want.ID == "" {
			if err == nil {
				t.Fatalf("DecodeHead accepted %q, which encoding/json refuses (%v) or reads without an id", raw, stdErr)
			}
			if !errors.Is(err, ErrNotRecord) {
				t.Fatalf("DecodeHead = %v, not ErrNotRecord", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("DecodeHead refused %q, which encoding/json reads: %v", raw, err)
		}
		if !json.Valid(raw) {
			t.Fatalf("DecodeHead accepted invalid JSON %q", raw)
		}
		if !got.Time.Equal(want.Time) || !got.ObservedAt.Equal(want.ObservedAt) {
			t.Fatalf("times %v %v, encoding/json %v %v", got.Time, got.ObservedAt, want.Time, want.ObservedAt)
		}
		got.Time, got.ObservedAt, want.Time, want.ObservedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if got != want {
			t.Fatalf("DecodeHead(%q) = %+v, encoding/json %+v", raw, got, want)
		}
	})
}
