package format_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/ecs"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/ocsf"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
)

var observed = time.Date(2026, 1, 5, 9, 2, 0, 123456789, time.UTC)

// stored is rec as the outbox keeps it and decoded back, as a sink gets it.
func stored(t testing.TB, rec exporter.Record) ([]byte, exporter.Record) {
	t.Helper()
	b, err := recordjson.MarshalRecord(&rec)
	if err != nil {
		t.Fatal(err)
	}
	var back exporter.Record
	if err := recordjson.UnmarshalRecord(b, &back); err != nil {
		t.Fatal(err)
	}
	return b, back
}

var entry = format.Options{AuditBody: format.AuditBodyEntry}

// An audit entry that went through the outbox comes out as the bytes
// GitHub sent, although the record's encoder escaped its <, > and &.
func TestEntry_GitHubsBytes(t *testing.T) {
	for _, e := range formattest.Entries {
		b, rec := stored(t, formattest.AuditRecord(e, observed))
		if strings.ContainsAny(e, "<>&") && !bytes.Contains(b, []byte(`\u003c`)) && !bytes.Contains(b, []byte(`\u0026`)) {
			t.Fatalf("the stored record escapes nothing, so the test proves nothing: %s", b)
		}
		got, err := format.Entry(&rec)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != e {
			t.Errorf("entry\n got %s\nwant %s", got, e)
		}
		body, m, err := format.RenderBody(&rec, b, entry)
		if err != nil || string(body) != e || m == nil || *m != (format.Meta{ID: rec.ID, Origin: exporter.OriginPoll, ObservedAt: observed}) {
			t.Errorf("RenderBody = %s, %+v, %v", body, m, err)
		}
	}
}

// Render adds our metadata as the entry's last member, under the one key
// GitHub never uses; the rest of the line is GitHub's bytes.
func TestRender_EntryWithMeta(t *testing.T) {
	e := formattest.Entries[3]
	b, rec := stored(t, formattest.AuditRecord(e, observed))
	got, err := format.Render(&rec, b, entry)
	if err != nil {
		t.Fatal(err)
	}
	want := e[:len(e)-1] + `,"_ghsec":{"id":"` + rec.ID + `","origin":"poll","observed_at":"2026-01-05T09:02:00.123456789Z"}}`
	if string(got) != want {
		t.Errorf("Render\n got %s\nwant %s", got, want)
	}
	// an empty entry object gets no leading comma
	rec.Audit.Entry = json.RawMessage(`{}`)
	if got, _ := format.Render(&rec, nil, entry); !strings.HasPrefix(string(got), `{"_ghsec":{`) || !json.Valid(got) {
		t.Errorf("Render of {} = %s", got)
	}
}

func TestUnescapeHTML_KeepsOtherEscapes(t *testing.T) {
	rec := formattest.AuditRecord(formattest.Entries[0], observed)
	rec.Audit.Entry = json.RawMessage(`{"a":"\\u003c \u003c\u003E\u0026 \u00e9 \u2028 \"","b":"\\"}`)
	got, err := format.Entry(&rec)
	if want := `{"a":"\\u003c <>& \u00e9 \u2028 \"","b":"\\"}`; err != nil || string(got) != want {
		t.Errorf("Entry = %s, %v; want %s", got, err, want)
	}
}

func TestRender_Default_IsStoredBytes(t *testing.T) {
	for _, o := range []format.Options{{}, format.DefaultOptions(), entry} {
		rec := formattest.AlertRecord(7, observed)
		b, back := stored(t, rec)
		got, err := format.Render(&back, b, o)
		if err != nil || &got[0] != &b[0] {
			t.Errorf("%+v: an alert record is not its stored bytes: %s, %v", o, got, err)
		}
		if !o.AsStored(exporter.CategoryAlert) {
			t.Errorf("%+v: AsStored(alert) = false", o)
		}
		// nil stored: marshalled like the outbox would
		if got, err := format.Render(&rec, nil, o); err != nil || !bytes.Equal(got, b) {
			t.Errorf("%+v: Render without stored bytes = %s, %v", o, got, err)
		}
	}
	if entry.AsStored(exporter.CategoryAudit) || !format.DefaultOptions().AsStored(exporter.CategoryAudit) {
		t.Error("AsStored(audit) is wrong")
	}
}

// schema: ocsf and ecs go to their mapper, whatever it answers: its bytes,
// or its error naming the record (the sink then dead-letters the record).
func TestRender_SchemaDispatch(t *testing.T) {
	mappers := map[string]func(*exporter.Record) ([]byte, error){format.SchemaOCSF: ocsf.Marshal, format.SchemaECS: ecs.Marshal}
	for schema, marshal := range mappers {
		for _, rec := range formattest.Records(observed)[:4] {
			b, back := stored(t, rec)
			want, wantErr := marshal(&back)
			got, err := format.Render(&back, b, format.Options{Schema: schema})
			switch {
			case wantErr != nil:
				if err == nil || !strings.Contains(err.Error(), wantErr.Error()) || !strings.Contains(err.Error(), rec.ID) {
					t.Errorf("%s: error %v, want the mapper's %v naming %s", schema, err, wantErr, rec.ID)
				}
			case err != nil || !bytes.Equal(got, want):
				t.Errorf("%s: Render = %s, %v; want the mapper's %s", schema, got, err, want)
			}
			// audit_body: entry wins over schema for audit records
			o := format.Options{Schema: schema, AuditBody: format.AuditBodyEntry}
			if got, m, err := format.RenderBody(&back, b, o); rec.Category == exporter.CategoryAudit && (err != nil || m == nil || !json.Valid(got)) {
				t.Errorf("%s + entry: %s, %v", schema, got, err)
			}
		}
	}
}

// A record a schema cannot map fails with the mapper's error, which names
// the record once.
func TestRender_SchemaError_NamesRecordOnce(t *testing.T) {
	alert := formattest.Records(observed)[0]
	alert.Category, alert.Alert = exporter.CategoryAlert, nil // no OCSF finding without its alert
	audit := formattest.AuditRecord(formattest.Entries[0], observed)
	audit.Audit.Entry = json.RawMessage(`{"action":`) // ECS keeps the entry, which must be JSON
	for schema, rec := range map[string]exporter.Record{format.SchemaOCSF: alert, format.SchemaECS: audit} {
		_, err := format.Render(&rec, nil, format.Options{Schema: schema})
		if err == nil || strings.Count(err.Error(), rec.ID) != 1 {
			t.Errorf("%s: %v, want an error naming %s once", schema, err, rec.ID)
		}
	}
}

func TestEntry_NoEntryObject(t *testing.T) {
	for _, e := range []string{"", "null", "[]", `"x"`} {
		rec := formattest.AuditRecord(formattest.Entries[0], observed)
		rec.Audit.Entry = json.RawMessage(e)
		if _, err := format.Render(&rec, nil, entry); !errors.Is(err, format.ErrNoEntry) || !strings.Contains(err.Error(), rec.ID) {
			t.Errorf("entry %q: %v", e, err)
		}
	}
	rec := formattest.AuditRecord(formattest.Entries[0], observed)
	rec.Audit = nil
	if _, err := format.Render(&rec, nil, entry); !errors.Is(err, format.ErrNoEntry) {
		t.Errorf("no audit part: %v", err)
	}
}

func TestOptions_Validate(t *testing.T) {
	for _, o := range []format.Options{{}, format.DefaultOptions(), {Schema: "ocsf", AuditBody: "entry"}, {Schema: "ecs"}} {
		if err := o.Validate(); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
	err := format.Options{Schema: "cef", AuditBody: "raw"}.Validate()
	var paths []string
	for _, e := range config.Flatten(err) {
		var fe *config.FieldError
		if !errors.As(e, &fe) || !errors.Is(e, config.ErrInvalid) {
			t.Fatalf("not an invalid-field error: %v", e)
		}
		paths = append(paths, fe.Path)
	}
	if strings.Join(paths, ",") != "schema,audit_body" {
		t.Errorf("errors name %v; want schema, audit_body (%v)", paths, err)
	}
}
