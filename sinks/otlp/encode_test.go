package otlp

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson/recordjsontest"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/batching"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

var observed = time.Date(2026, 1, 5, 9, 2, 0, 0, time.UTC)

// decodeRequest reads a request body as the collector's receiver does.
func decodeRequest(t testing.TB, body []byte, gzipped bool) plog.Logs {
	t.Helper()
	if gzipped {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	req := plogotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		t.Fatalf("not an ExportLogsServiceRequest: %v", err)
	}
	return req.Logs()
}

// encodeAll builds one request of every record of batch under c, through
// the sink's own prepare.
func encodeAll(t testing.TB, c Config, batch []exporter.RawRecord) plog.LogRecordSlice {
	t.Helper()
	c.Endpoint = "http://127.0.0.1:1"
	c.MaxBatchRecords, c.MaxBatchBytes = len(batch), maxBatchBytes
	s := newSinkT(t, c)
	p := s.prepare(batch, &batching.Rejections{})
	if err := p.rej.Err("rejected", len(batch), func(i int) string { return batch[i].Head.ID }); err != nil || len(p.chunks) != 1 {
		t.Fatalf("prepare: %v, %d chunks", err, len(p.chunks))
	}
	body, err := p.bodies.Take(p.chunks[0])
	if err != nil {
		t.Fatal(err)
	}
	ld := decodeRequest(t, body, c.Compression == CompressionGzip)
	if ld.ResourceLogs().Len() != 1 || ld.ResourceLogs().At(0).ScopeLogs().Len() != 1 {
		t.Fatalf("want one resource and one scope")
	}
	rl := ld.ResourceLogs().At(0)
	want := map[string]any{"service.name": ServiceName, "service.version": "test", "deployment.environment.name": "test"}
	if got := rl.Resource().Attributes().AsRaw(); !equalMaps(got, want) {
		t.Errorf("resource attributes %v, want %v", got, want)
	}
	if sc := rl.ScopeLogs().At(0).Scope(); sc.Name() != ScopeName || sc.Version() != "test" {
		t.Errorf("scope %s %s", sc.Name(), sc.Version())
	}
	return rl.ScopeLogs().At(0).LogRecords()
}

func equalMaps(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A record with every field set: its JSON is the body byte for byte, and
// its key fields are the attributes.
func TestLogRecord_EveryField(t *testing.T) {
	rec := recordjsontest.Record()
	raw := formattest.Raw(t, []exporter.Record{rec})
	c := DefaultConfig()
	c.ResourceAttributes = map[string]string{"deployment.environment.name": "test"}
	lr := encodeAll(t, c, raw).At(0)
	if lr.Body().Type() != pcommon.ValueTypeStr || lr.Body().Str() != string(raw[0].JSON) {
		t.Fatalf("body %s\nwant %s", lr.Body().AsString(), raw[0].JSON)
	}
	if lr.Timestamp().AsTime() != rec.Time.UTC() || lr.ObservedTimestamp().AsTime() != rec.ObservedAt.UTC() {
		t.Errorf("times %s %s, want %s %s", lr.Timestamp(), lr.ObservedTimestamp(), rec.Time, rec.ObservedAt)
	}
	want := map[string]any{
		AttrUID: rec.ID, AttrID: rec.ID, AttrCategory: string(rec.Category), AttrSource: string(rec.Source),
		AttrAction: rec.Action, AttrOrigin: string(rec.Origin), AttrEnterprise: rec.Enterprise, AttrOrg: rec.Org,
		AttrRepo: rec.Repo, AttrAlertSource: string(rec.AlertSource), AttrAlertNumber: int64(rec.Alert.Number),
		AttrAlertSeverity: rec.Alert.Severity, AttrBody: format.SchemaRecord,
	}
	for k, v := range want {
		if v == "" {
			t.Fatalf("recordjsontest.Record leaves %s empty", k)
		}
	}
	if got := lr.Attributes().AsRaw(); !equalMaps(got, want) {
		t.Errorf("attributes\n%v\nwant\n%v", got, want)
	}
}

// Every output format: the body is what the other sinks ship, byte for
// byte (an audit entry without the _ghsec member, whose values are in the
// attributes and the observed time), and ghsec.body names it.
func TestLogRecord_Formats(t *testing.T) {
	recs := formattest.Records(observed)
	raw := formattest.Raw(t, recs)
	for _, m := range sinktest.Formats() {
		c := DefaultConfig()
		c.Options = m
		c.Compression = CompressionNone
		c.ResourceAttributes = map[string]string{"deployment.environment.name": "test"}
		lrs := encodeAll(t, c, raw)
		if lrs.Len() != len(recs) {
			t.Fatalf("%+v: %d log records, want %d", m, lrs.Len(), len(recs))
		}
		for i := range recs {
			lr := lrs.At(i)
			// what every sink handed stored records ships
			want, meta, err := format.RenderStored(&raw[i], m)
			if err != nil {
				t.Fatal(err)
			}
			if lr.Body().Str() != string(want) {
				t.Errorf("%+v record %d: body\n%s\nwant\n%s", m, i, lr.Body().Str(), want)
			}
			kind, _ := lr.Attributes().Get(AttrBody)
			wantKind := m.Schema
			if meta != nil {
				wantKind = format.AuditBodyEntry
				if lr.ObservedTimestamp().AsTime() != meta.ObservedAt {
					t.Errorf("observed time %s, want %s", lr.ObservedTimestamp(), meta.ObservedAt)
				}
			}
			if kind.Str() != wantKind {
				t.Errorf("%+v record %d: %s = %q, want %q", m, i, AttrBody, kind.Str(), wantKind)
			}
			if id, _ := lr.Attributes().Get(AttrID); id.Str() != recs[i].ID {
				t.Errorf("record %d: id %q", i, id.Str())
			}
		}
	}
}

func TestSeverity(t *testing.T) {
	for _, tt := range []struct {
		cat  exporter.Category
		sev  string
		want plog.SeverityNumber
	}{
		{exporter.CategoryAlert, exporter.SeverityCritical, plog.SeverityNumberFatal},
		{exporter.CategoryAlert, exporter.SeverityHigh, plog.SeverityNumberError},
		{exporter.CategoryAlert, exporter.SeverityMedium, plog.SeverityNumberWarn},
		{exporter.CategoryAlert, exporter.SeverityLow, plog.SeverityNumberInfo2},
		{exporter.CategoryAlert, exporter.SeverityNone, plog.SeverityNumberInfo},
		{exporter.CategoryAlert, "", plog.SeverityNumberWarn}, // secret scanning: unknown
		{exporter.CategoryAudit, "", plog.SeverityNumberInfo2},
	} {
		h := exporter.RecordHead{Category: tt.cat, Severity: tt.sev}
		n, text := Severity(&h)
		if n != tt.want || text != tt.sev {
			t.Errorf("%s %q: %s %q, want %s %q", tt.cat, tt.sev, n, text, tt.want, tt.sev)
		}
	}
}
