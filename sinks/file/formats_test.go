package file

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/ecs"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/ocsf"
)

var observed = time.Date(2026, 1, 5, 9, 2, 0, 0, time.UTC)

func fileSink(t *testing.T, o format.Options) (*Sink, string) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Path = filepath.Join(t.TempDir(), "out.jsonl")
	cfg.Options = o
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := New(mustResolve(t, cfg), exporter.SinkDeps{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, cfg.Path
}

// audit_body: entry writes each audit record as GitHub's entry, byte for
// byte, with our metadata as the added last member _ghsec; alert records
// stay normalized records. SendRaw (the daemon's path) and Send write the
// same file.
func TestSink_AuditBodyEntry(t *testing.T) {
	recs := formattest.Records(observed)
	var want bytes.Buffer
	def := NewWriter(&want)
	for i := range recs {
		r := &recs[i]
		if r.Category != exporter.CategoryAudit {
			if err := def.Send(context.Background(), recs[i:i+1]); err != nil {
				t.Fatal(err)
			}
			continue
		}
		e := string(r.Audit.Entry)
		want.WriteString(e[:len(e)-1] + `,"_ghsec":{"id":"` + r.ID + `","origin":"poll","observed_at":"2026-01-05T09:02:00Z"}}` + "\n")
	}
	o := format.Options{AuditBody: format.AuditBodyEntry}
	s, path := fileSink(t, o)
	if err := s.SendRaw(context.Background(), formattest.Raw(t, recs)); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != want.String() {
		t.Errorf("file\n got %s\nwant %s", got, want.String())
	}
	var sent bytes.Buffer
	if err := NewWriterOptions(&sent, o).Send(context.Background(), recs); err != nil || sent.String() != want.String() {
		t.Errorf("Send wrote\n%s(%v), SendRaw\n%s", sent.String(), err, want.String())
	}
}

// schema: ocsf and ecs write what their mapper renders, in the file's
// format, and dead-letter (Rejected) the records it refuses while the
// rest are written.
func TestSink_SchemaCallsTheMapper(t *testing.T) {
	recs := formattest.Records(observed)
	for schema, marshal := range map[string]func(*exporter.Record) ([]byte, error){format.SchemaOCSF: ocsf.Marshal, format.SchemaECS: ecs.Marshal} {
		var want bytes.Buffer
		var rejected []int
		for i := range recs {
			b, err := marshal(&recs[i])
			if err != nil {
				rejected = append(rejected, i)
				continue
			}
			appendLine(&want, b)
		}
		s, path := fileSink(t, format.Options{Schema: schema})
		err := s.SendRaw(context.Background(), formattest.Raw(t, recs))
		de := exporter.Classify(err)
		switch {
		case len(rejected) == 0 && err != nil:
			t.Errorf("%s: %v", schema, err)
		case len(rejected) > 0 && (de.Kind != exporter.KindRejected || len(de.Rejected) != len(rejected) || !strings.Contains(err.Error(), schema)):
			t.Errorf("%s: error %v, want %d records rejected by the %s mapper", schema, err, len(rejected), schema)
		}
		if got, _ := os.ReadFile(path); string(got) != want.String() {
			t.Errorf("%s: file\n got %s\nwant %s", schema, got, want.String())
		}
	}
}

func TestConfig_Validate_Options(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Schema, cfg.AuditBody = "cef", "raw"
	err := cfg.Validate()
	var fe *config.FieldError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "schema: must be record, ocsf or ecs") || !strings.Contains(err.Error(), "audit_body: must be record or entry") {
		t.Errorf("Validate = %v", err)
	}
}
