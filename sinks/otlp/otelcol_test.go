package otlp

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// These tests run the sink against the real OpenTelemetry Collector's
// otlp receiver (the otelcol-hec build of scripts/deps/otelcol-hec.sh),
// which writes what it received to a file through the file exporter.

const collectorToken = "otlp-test-token-0123456789"

func tokenFile(t testing.TB, token string) string {
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func collectorConfig(t testing.TB, o *receivers.OtelcolOTLP) Config {
	c := DefaultConfig()
	c.Endpoint = o.Endpoint
	c.CAFile = o.CAFile
	if o.Token != "" {
		c.TokenFile = tokenFile(t, o.Token)
	}
	c.ResourceAttributes = map[string]string{"deployment.environment.name": "test"}
	return c
}

// testRecords are n alert records and the audit and alert records of
// formattest (GitHub's entries, one full of characters encoders escape
// differently and numbers a re-encoding would change).
func testRecords(n int) []exporter.Record {
	return append(sinktest.Records(n), formattest.Records(time.Date(2026, 1, 5, 9, 2, 0, 0, time.UTC))...)
}

// checkArrived asserts that every record arrived exactly once, with its
// body byte for byte (wantBody), its times, severity and attributes, and
// nothing else arrived.
func checkArrived(t *testing.T, recs []exporter.Record, got []receivers.OTLPLogRecord, wantBody func(r *exporter.RawRecord) []byte) {
	t.Helper()
	byID := map[string][]receivers.OTLPLogRecord{}
	for _, lr := range got {
		id, _ := lr.Attributes[AttrID].(string)
		byID[id] = append(byID[id], lr)
	}
	for i := range recs {
		r := &recs[i]
		lrs := byID[r.ID]
		if len(lrs) != 1 {
			t.Fatalf("record %s (%s %s) arrived %d times, want once; %d distinct of %d arrived", r.ID, r.Category, r.Action, len(lrs), len(byID), len(recs))
		}
		lr := lrs[0]
		stored, err := recordjson.MarshalRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		raw := exporter.RawRecord{JSON: stored, Head: r.Head()}
		if want := wantBody(&raw); lr.Body != string(want) {
			t.Fatalf("record %s: body changed on the way\n got %s\nwant %s", r.ID, lr.Body, want)
		}
		if !lr.Time.Equal(r.Time) || !lr.ObservedTime.Equal(r.ObservedAt) {
			t.Errorf("record %s: time %s observed %s, want %s %s", r.ID, lr.Time, lr.ObservedTime, r.Time, r.ObservedAt)
		}
		h := r.Head()
		sev, text := Severity(&h)
		if lr.SeverityNumber != int(sev) || lr.SeverityText != text {
			t.Errorf("record %s: severity %d %q, want %d %q", r.ID, lr.SeverityNumber, lr.SeverityText, sev, text)
		}
		if lr.Attributes[AttrUID] != r.ID || lr.Attributes[AttrSource] != string(r.Source) || lr.Attributes[AttrAction] != r.Action ||
			lr.Attributes[AttrOrigin] != string(r.Origin) || lr.Attributes[AttrCategory] != string(r.Category) {
			t.Errorf("record %s: attributes %v", r.ID, lr.Attributes)
		}
		if r.Alert != nil && r.Alert.Number != 0 && lr.Attributes[AttrAlertNumber] != int64(r.Alert.Number) {
			t.Errorf("record %s: %s = %v, want %d", r.ID, AttrAlertNumber, lr.Attributes[AttrAlertNumber], r.Alert.Number)
		}
		if lr.Resource["service.name"] != ServiceName || lr.Resource["deployment.environment.name"] != "test" || lr.Scope != ScopeName {
			t.Errorf("record %s: resource %v scope %q", r.ID, lr.Resource, lr.Scope)
		}
	}
	if len(got) != len(recs) {
		t.Errorf("%d log records arrived, want %d", len(got), len(recs))
	}
}

func storedBody(r *exporter.RawRecord) []byte { return r.JSON }

// Every record of several batches, through the delivery loop, arrives
// once, its body the stored record byte for byte.
func TestOtelcol_EveryRecordOnce(t *testing.T) {
	o := receivers.StartOtelcolOTLP(t, receivers.OtelcolOTLPOptions{Token: collectorToken})
	c := collectorConfig(t, o)
	c.MaxBatchRecords = 150 // batches of 400: three requests each
	recs := testRecords(1200)
	h := sinktest.New(t, newSinkT(t, c), recs)
	h.Deliverer.BatchSize = 400
	if err := h.Deliverer.Drain(context.Background()); err != nil {
		t.Fatalf("drain: %v", err)
	}
	if p, d := h.Counts(t); p != 0 || d != 0 {
		t.Fatalf("%d pending, %d dead-lettered", p, d)
	}
	checkArrived(t, recs, o.WaitLogRecords(t, len(recs), time.Minute), storedBody)
}

// The other output formats arrive as the other sinks ship them, over
// HTTPS with the collector's certificate trusted through ca_file and no
// compression.
func TestOtelcol_FormatsOverHTTPS(t *testing.T) {
	o := receivers.StartOtelcolOTLP(t, receivers.OtelcolOTLPOptions{TLS: true})
	for _, opts := range []format.Options{
		{Schema: format.SchemaOCSF, AuditBody: format.AuditBodyEntry},
		{Schema: format.SchemaECS, AuditBody: format.AuditBodyRecord},
	} {
		c := collectorConfig(t, o)
		c.Options, c.Compression = opts, CompressionNone
		recs := testRecords(20)
		before, err := o.LogRecords()
		if err != nil {
			t.Fatal(err)
		}
		if err := newSinkT(t, c).Send(context.Background(), recs); err != nil {
			t.Fatalf("%+v: Send: %v", opts, err)
		}
		got := o.WaitLogRecords(t, len(before)+len(recs), time.Minute)[len(before):]
		checkArrived(t, recs, got, func(r *exporter.RawRecord) []byte {
			b, _, err := format.RenderStored(r, opts)
			if err != nil {
				t.Fatal(err)
			}
			return b
		})
	}
}

// stopper stops the collector after a number of delivered batches and
// starts it again after a number of failed ones, from inside the delivery
// loop's Send calls, so the fault falls between batches at a known point.
type stopper struct {
	exporter.RawSender
	o               *receivers.OtelcolOTLP
	stopAfter, down int

	mu                 sync.Mutex
	delivered, failed  int
	stopped, restarted bool
}

func (s *stopper) SendRaw(ctx context.Context, batch []exporter.RawRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped && !s.restarted && s.failed >= s.down {
		s.o.Restart()
		s.restarted = true
	}
	err := s.RawSender.SendRaw(ctx, batch)
	switch {
	case err != nil:
		s.failed++
	default:
		s.delivered++
		if s.delivered == s.stopAfter {
			s.o.Stop()
			s.stopped = true
		}
	}
	return err
}

// The collector stopped mid-run (between two batches) and started again a
// few failed attempts later: the delivery loop keeps every record and
// delivers each once.
func TestOtelcol_RestartMidRun(t *testing.T) {
	o := receivers.StartOtelcolOTLP(t, receivers.OtelcolOTLPOptions{Token: collectorToken})
	c := collectorConfig(t, o)
	recs := testRecords(2000)
	st := &stopper{RawSender: newSinkT(t, c), o: o, stopAfter: 4, down: 3}
	h := sinktest.New(t, st, recs)
	h.Deliverer.BatchSize = 200
	if err := h.Deliverer.Drain(context.Background()); err != nil {
		t.Fatalf("drain: %v", err)
	}
	if !st.restarted || st.failed < st.down {
		t.Fatalf("the collector was not stopped and restarted (delivered %d, failed %d)", st.delivered, st.failed)
	}
	if p, d := h.Counts(t); p != 0 || d != 0 {
		t.Fatalf("%d pending, %d dead-lettered", p, d)
	}
	checkArrived(t, recs, o.WaitLogRecords(t, len(recs), time.Minute), storedBody)
}

// The collector stopped from the start: the loop fails, keeps everything,
// and delivers it all once the collector is back.
func TestOtelcol_DownThenUp(t *testing.T) {
	o := receivers.StartOtelcolOTLP(t, receivers.OtelcolOTLPOptions{})
	c := collectorConfig(t, o)
	o.Stop()
	recs := testRecords(300)
	h := sinktest.New(t, newSinkT(t, c), recs)
	h.FailThenRecover(t, 3, o.Restart)
	checkArrived(t, recs, o.WaitLogRecords(t, len(recs), time.Minute), storedBody)
}

// A wrong token is the collector's 401: paused, nothing dead-lettered.
func TestOtelcol_WrongToken(t *testing.T) {
	o := receivers.StartOtelcolOTLP(t, receivers.OtelcolOTLPOptions{Token: collectorToken})
	c := collectorConfig(t, o)
	c.TokenFile = tokenFile(t, "wrong-token-0123456789")
	err := newSinkT(t, c).Send(context.Background(), testRecords(3))
	if de := exporter.Classify(err); de.Kind != exporter.KindPaused {
		t.Fatalf("Send with a wrong token = %v, want paused", err)
	}
}

func TestOtelcol_Check(t *testing.T) {
	o := receivers.StartOtelcolOTLP(t, receivers.OtelcolOTLPOptions{TLS: true, Token: collectorToken})
	results := func(c Config) map[string]exporter.CheckResult {
		out := map[string]exporter.CheckResult{}
		for _, r := range newSinkT(t, c).Check(context.Background()) {
			out[r.Check] = r
		}
		return out
	}
	good := results(collectorConfig(t, o))
	for _, name := range []string{"reachable", "tls verified", "credential accepted", "accepts OTLP logs"} {
		if r, ok := good[name]; !ok || !r.OK {
			t.Errorf("good config: %s = %+v", name, r)
		}
	}
	c := collectorConfig(t, o)
	c.TokenFile = tokenFile(t, "wrong-token-0123456789")
	if r := results(c)["credential accepted"]; r.OK || r.Fix == "" {
		t.Errorf("wrong token: credential accepted = %+v", r)
	}
	c = collectorConfig(t, o)
	c.CAFile = ""
	if r := results(c)["tls verified"]; r.OK || r.Fix == "" {
		t.Errorf("untrusted certificate: tls verified = %+v", r)
	}
	c = collectorConfig(t, o)
	c.Endpoint, c.LogsEndpoint = "", o.Endpoint+"/v1/traces-not-here"
	if r := results(c)["accepts OTLP logs"]; r.OK || r.Fix == "" {
		t.Errorf("wrong path: accepts OTLP logs = %+v", r)
	}
	// the check sent no record
	if got, err := o.LogRecords(); err != nil || len(got) != 0 {
		t.Errorf("check delivered %d log records (%v)", len(got), err)
	}
}
