package exporter

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// sameJSON fails unless AppendJSON gave encoding/json's bytes (or declined).
func sameJSON(t *testing.T, v any, got []byte, ok bool) {
	t.Helper()
	want, err := json.Marshal(v)
	if !ok {
		return // the caller falls back to encoding/json
	}
	if err != nil {
		t.Fatalf("encoded %s where encoding/json fails: %v", got, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendJSON differs from encoding/json:\n got %s\nwant %s", got, want)
	}
}

func checkAppendJSON(t *testing.T, s string, at time.Time, n int, flag bool) {
	t.Helper()
	o := Observation{
		Key: AlertKey{Source: SourceSecretScanning, Repo: "acme/" + s, Number: n}, Org: "acme", Enterprise: s,
		State: "resolved", Severity: SeverityHigh, SeverityRaw: s, Title: s, RuleID: s, GHSAID: s, CVEID: s,
		SecretType: s, Package: s, Ecosystem: s, Manifest: s, Tool: s, Reason: s, Comment: s, Validity: s,
		HTMLURL: s, CreatedAt: at.Add(-time.Hour), UpdatedAt: at, ClosedAt: at, ClosedBy: s,
		Bypassed: flag, BypassedAt: at, BypassedBy: s, PubliclyLeaked: flag, Assignees: []string{s, "b"},
		CVSSv3: CVSS{Score: float64(n%101) / 10, Vector: s},
	}
	if flag {
		o.CVSSv4 = CVSS{Score: 9.3}
	}
	snap := o.Snapshot()
	for _, sn := range []Snapshot{snap, {State: s, UpdatedAt: at}, {}} {
		got, ok := sn.AppendJSON(nil)
		sameJSON(t, sn, got, ok)
	}
	prev := Snapshot{State: "open", Validity: "active", Assignees: []string{"z"}, Tracks: SnapshotTracks, UpdatedAt: at.Add(-2 * time.Hour)}
	recs := append(Diff(nil, &o, OriginBackfill, at), Diff(&prev, &o, OriginPoll, at)...)
	recs = append(recs, Withdraw(o.Key, snap, s, s, OriginReconcile, at), Record{})
	for i := range recs {
		got, ok := recs[i].AppendJSON([]byte("x"))
		if !bytes.HasPrefix(got, []byte("x")) {
			t.Fatalf("AppendJSON did not append: %q", got)
		}
		sameJSON(t, &recs[i], got[1:], ok)
	}
	raw := Record{Raw: json.RawMessage(`{"a": 1}`)}
	if got, ok := raw.AppendJSON(nil); ok || len(got) != 0 {
		t.Fatalf("a record with raw JSON was encoded here: %s", got)
	}
}

func TestAppendJSON_SameBytesAsEncodingJSON(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("x", -5*3600-30*60), time.FixedZone("s", 3600+7), time.FixedZone("far", 25*3600)}
	for _, s := range []string{"", "plain", `q"uote\back`, "<a href='x'>&amp;</a>", "ctl\x00\x01\x1f\b\f\n\r\t\x7f",
		"utf8 é 日本 🎉", "bad \xff\xfe utf8 \xc3", "js \u2028 \u2029", "trunc\xe2\x80"} {
		for _, z := range zones {
			for _, at := range []time.Time{time.Date(2026, 1, 5, 9, 0, 0, 0, z), time.Date(2026, 1, 5, 9, 0, 0, 123456789, z),
				time.Date(10000, 1, 1, 0, 0, 0, 0, z), time.Date(-1, 1, 1, 0, 0, 0, 0, z)} {
				checkAppendJSON(t, s, at, 7, len(s)%2 == 0)
			}
		}
	}
}

func TestAppendJSON_EncodesAlertRecordsAndSnapshots(t *testing.T) {
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	o := Observation{Key: AlertKey{Source: SourceDependabot, Repo: "acme/w", Number: 1}, State: "open", CreatedAt: at, UpdatedAt: at}
	r := Diff(nil, &o, OriginBackfill, at)[0]
	s := o.Snapshot()
	if _, ok := r.AppendJSON(nil); !ok {
		t.Fatal("an alert record fell back to encoding/json")
	}
	if _, ok := s.AppendJSON(nil); !ok {
		t.Fatal("a snapshot fell back to encoding/json")
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("<x>&\u2028\xff", int64(1767603600123456789), 0, 42, true)
	f.Fuzz(func(t *testing.T, s string, nanos int64, offMinutes, n int, flag bool) {
		at := time.Unix(0, nanos).In(time.FixedZone("z", (offMinutes%(48*60))*60))
		checkAppendJSON(t, s, at, n, flag)
	})
}

// parseSame fails unless ParseJSON, where it accepts b, gives what
// encoding/json gives.
func parseSame(t *testing.T, b []byte) bool {
	t.Helper()
	var got, want Snapshot
	ok := got.ParseJSON(b)
	err := json.Unmarshal(b, &want)
	if !ok {
		if !reflect.DeepEqual(got, Snapshot{}) {
			t.Fatalf("ParseJSON declined %s but left %+v", b, got)
		}
		return false
	}
	if err != nil {
		t.Fatalf("ParseJSON accepted %s, which encoding/json refuses: %v", b, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseJSON(%s):\n got %#v\nwant %#v", b, got, want)
	}
	return true
}

func TestParseJSON_SameAsEncodingJSON(t *testing.T) {
	at := time.Date(2026, 1, 5, 9, 0, 0, 123, time.FixedZone("x", 3600))
	for _, s := range []Snapshot{
		{}, {State: "open", UpdatedAt: at},
		{State: "resolved", Severity: "high", SeverityRaw: "high", Bypassed: true, UpdatedAt: at, ClosedAt: at.UTC(),
			Title: "Tïtle", HTMLURL: "https://github.com/a/b/security/1", Validity: "active", PubliclyLeaked: true,
			Assignees: []string{"alice", "bob"}, Tracks: SnapshotTracks},
		{State: `q"uote`, Title: "<&>", Assignees: []string{}},
	} {
		b, ok := s.AppendJSON(nil)
		if !ok {
			t.Fatalf("AppendJSON declined %+v", s)
		}
		parseSame(t, b)
	}
	for _, b := range []string{`{"s":"open","u":"2026-01-05T09:00:00Z"}`, `{"s":"open","k":1,"a":[]}`, `{}`} {
		if !parseSame(t, []byte(b)) {
			t.Errorf("ParseJSON declined %s", b)
		}
	}
	for _, b := range []string{`{"s":"op\u0065n"}`, `{ "s":"open"}`, `{"S":"open"}`, `{"s":null}`, `{"k":01}`, `{"k":-0}`,
		`{"k":1.5}`, `{"u":"2026-01-05"}`, `{"s":"open"}x`, `{"b":tru}`, `{"a":["x",]}`, `{"s":"a` + "\x01" + `"}`, "{\"s\":\"\xff\"}", `{"x":1}`} {
		parseSame(t, []byte(b))
	}
}

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"s":"open","v":"high","r":"high","b":true,"u":"2026-01-05T09:00:00Z","c":"2026-01-05T09:00:00.5+01:00","t":"x","h":"y","y":"active","p":true,"a":["a","b"],"k":1}`))
	f.Add([]byte(`{"k":-12,"a":[],"s":""}`))
	f.Fuzz(func(t *testing.T, b []byte) { parseSame(t, b) })
}
