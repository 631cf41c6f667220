package splunkhec

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// These tests run the sink against a real HEC receiver: the OpenTelemetry
// Collector's splunk_hec receiver (scripts/deps/otelcol-hec.sh).

func otelcolConfig(t *testing.T, h *receivers.OtelcolHEC) Config {
	c := DefaultConfig()
	c.URL = h.URL
	c.TokenFile = tokenFile(t, h.Token)
	c.CAFile = h.CAFile
	c.Host = "exporter-1"
	c.Alert.Index = "security"
	c.Audit.Index = "audit"
	c.Audit.Source = "ghsec-exporter"
	c.Fields = map[string]string{"env": "test"}
	c.RecordFields = []string{"source", "action", "repo", "severity"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

func newSink(t *testing.T, c Config) *Sink {
	t.Helper()
	return newSinkDeps(t, c, testDeps(t))
}

// resolved is c after the resolve step, which New builds from.
func resolved(tb testing.TB, c Config) Resolved {
	tb.Helper()
	r, err := c.Resolve()
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// newSinkDeps validates, resolves and builds c's sink with deps, closed
// when the test ends.
func newSinkDeps(t *testing.T, c Config, deps exporter.SinkDeps) *Sink {
	t.Helper()
	return sinktest.Build(t, c, New, deps)
}

// checkArrived asserts that every record arrived exactly as mapped: by id,
// with its sourcetype, index, source, host, time (ms) and indexed fields.
// Duplicates (a retried request) are allowed; missing records are not.
func checkArrived(t *testing.T, recs []exporter.Record, evs []receivers.HECEvent) {
	t.Helper()
	byID := map[string]receivers.HECEvent{}
	for _, ev := range evs {
		var r exporter.Record
		if err := json.Unmarshal(ev.Event, &r); err != nil {
			t.Fatalf("event is not a record: %v\n%s", err, ev.Event)
		}
		byID[r.ID] = ev
	}
	for _, r := range recs {
		ev, ok := byID[r.ID]
		if !ok {
			t.Fatalf("record %s (%s %s) did not arrive; %d distinct of %d arrived", r.ID, r.Category, r.Action, len(byID), len(recs))
		}
		wantST, wantIdx, wantSrc := DefaultAlertSourcetype, "security", "github:"+string(r.Source)
		if r.Category == exporter.CategoryAudit {
			wantST, wantIdx, wantSrc = DefaultAuditSourcetype, "audit", "ghsec-exporter"
		}
		if ev.Sourcetype != wantST || ev.Index != wantIdx || ev.Source != wantSrc || ev.Host != "exporter-1" {
			t.Errorf("record %s: sourcetype/index/source/host = %q/%q/%q/%q, want %q/%q/%q/exporter-1",
				r.ID, ev.Sourcetype, ev.Index, ev.Source, ev.Host, wantST, wantIdx, wantSrc)
		}
		// HEC carries milliseconds; the receiver parses them into a double.
		if d := ev.Time.Sub(r.Time); d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("record %s: time %s, want %s", r.ID, ev.Time.Format(time.RFC3339Nano), r.Time.Format(time.RFC3339Nano))
		}
		if ev.Fields["env"] != "test" || ev.Fields["github_source"] != string(r.Source) || ev.Fields["github_action"] != r.Action {
			t.Errorf("record %s: fields %v", r.ID, ev.Fields)
		}
	}
	if len(byID) != len(recs) {
		t.Errorf("%d distinct records arrived, want %d", len(byID), len(recs))
	}
}

func TestSend_Otelcol_GzipBatches(t *testing.T) {
	h := receivers.StartOtelcolHEC(t, receivers.OtelcolHECOptions{})
	c := otelcolConfig(t, h)
	c.MaxBatchEvents = 100 // 1,050 records: 11 requests
	s := newSink(t, c)
	rec := record(s)
	recs := testRecords(1050)
	if err := s.Send(context.Background(), recs); err != nil {
		t.Fatalf("Send: %v", err)
	}
	checkArrived(t, recs, h.WaitEvents(t, len(recs), 20*time.Second))
	if n := rec.count(pathEvent, `{"text":"Success","code":0}`); n != 11 {
		t.Errorf("%d successful event posts, want 11\n%v", n, rec.all())
	}
	if n := rec.count("gzip", ""); n != 11 {
		t.Errorf("%d gzip posts, want 11", n)
	}
}

func TestSend_Otelcol_HTTPSUncompressedSmallBodies(t *testing.T) {
	h := receivers.StartOtelcolHEC(t, receivers.OtelcolHECOptions{TLS: true})
	c := otelcolConfig(t, h)
	c.Compress = false
	c.MaxBatchBytes = 8 << 10 // forces splitting by bytes
	s := newSink(t, c)
	recs := testRecords(120)
	if err := s.Send(context.Background(), recs); err != nil {
		t.Fatalf("Send: %v", err)
	}
	checkArrived(t, recs, h.WaitEvents(t, len(recs), 20*time.Second))
}

func TestSend_Otelcol_UntrustedCertificate(t *testing.T) {
	h := receivers.StartOtelcolHEC(t, receivers.OtelcolHECOptions{TLS: true})
	c := otelcolConfig(t, h)
	c.CAFile = ""
	c.HealthCheck = false
	err := newSink(t, c).Send(context.Background(), testRecords(3))
	if de := exporter.Classify(err); err == nil || de.Kind != exporter.KindRetryable {
		t.Fatalf("Send with an untrusted certificate = %v, want a retryable error", err)
	}
	c.InsecureSkipVerify = true
	if err := newSink(t, c).Send(context.Background(), testRecords(3)); err != nil {
		t.Fatalf("Send with insecure_skip_verify: %v", err)
	}
}

func TestSend_Otelcol_IndexerAck(t *testing.T) {
	h := receivers.StartOtelcolHEC(t, receivers.OtelcolHECOptions{})
	c := otelcolConfig(t, h)
	c.MaxBatchEvents = 50
	c.Ack = AckConfig{Enabled: true, PollInterval: config.Duration(50 * time.Millisecond), Timeout: config.Duration(10 * time.Second)}
	s := newSink(t, c)
	rec := record(s)
	recs := testRecords(230)
	if err := s.Send(context.Background(), recs); err != nil {
		t.Fatalf("Send with ack: %v", err)
	}
	checkArrived(t, recs, h.WaitEvents(t, len(recs), 20*time.Second))
	if n := rec.count(pathEvent, "ackId"); n != 5 {
		t.Errorf("%d event replies carried an ackId, want 5\n%v", n, rec.all())
	}
	if rec.count(pathAck, `"5":true`) == 0 {
		t.Errorf("no ack query saw every ack true\n%v", rec.all())
	}
}

func TestSend_Otelcol_WrongTokenPausesThenDelivers(t *testing.T) {
	h := receivers.StartOtelcolHEC(t, receivers.OtelcolHECOptions{})
	c := otelcolConfig(t, h)
	c.TokenFile = tokenFile(t, "00000000-0000-0000-0000-000000000000")
	recs := testRecords(40)
	err := newSink(t, c).Send(context.Background(), recs)
	if exporter.Classify(err).Kind != exporter.KindPaused {
		t.Fatalf("Send with a wrong token = %v, want Paused", err)
	}
	if evs, _ := h.Events(); len(evs) != 0 {
		t.Fatalf("%d events arrived with a wrong token", len(evs))
	}
	// The operator fixes the token: the same records go through.
	c.TokenFile = tokenFile(t, h.Token)
	if err := newSink(t, c).Send(context.Background(), recs); err != nil {
		t.Fatalf("Send after fixing the token: %v", err)
	}
	checkArrived(t, recs, h.WaitEvents(t, len(recs), 20*time.Second))
}

func TestSend_Otelcol_ReceiverRestart(t *testing.T) {
	h := receivers.StartOtelcolHEC(t, receivers.OtelcolHECOptions{})
	c := otelcolConfig(t, h)
	c.MaxBatchEvents = 25
	c.Timeout = config.Duration(2 * time.Second)
	s := newSink(t, c)
	recs := testRecords(300)
	if err := s.Send(context.Background(), recs[:100]); err != nil {
		t.Fatalf("Send before stop: %v", err)
	}
	h.WaitEvents(t, 100, 20*time.Second)

	// While the receiver is down a Send fails, retryably, and keeps its batch.
	h.Stop()
	err := s.Send(context.Background(), recs[100:150])
	if de := exporter.Classify(err); err == nil || de.Kind != exporter.KindRetryable {
		t.Fatalf("Send while the receiver is down = %v, want retryable", err)
	}
	h.Restart() // returns once the receiver accepts connections again
	// The delivery loop's part: retry each batch until it is accepted (the
	// first request may meet a connection to the old process).
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for start := 100; start < len(recs); start += 50 {
		batch := recs[start:min(start+50, len(recs))]
		for attempt := 1; ; attempt++ {
			err := s.Send(ctx, batch)
			if err == nil {
				break
			}
			if de := exporter.Classify(err); de.Kind != exporter.KindRetryable || ctx.Err() != nil {
				t.Fatalf("Send of batch %d after the restart, attempt %d = %v, want delivery", start, attempt, err)
			}
			_ = exporter.Sleep(ctx, 100*time.Millisecond) // the loop's backoff, shortened
		}
	}
	checkArrived(t, recs, h.WaitEvents(t, len(recs), 20*time.Second))
}

func TestNew_UnreachableHECSendRetries(t *testing.T) {
	c := DefaultConfig()
	c.URL = "http://127.0.0.1:1" // nothing listens
	c.TokenEnv = "GHSEC_TEST_HEC_TOKEN"
	t.Setenv("GHSEC_TEST_HEC_TOKEN", receivers.HECToken)
	s, err := New(resolved(t, c), testDeps(t))
	if err != nil {
		t.Fatalf("New with an unreachable HEC: %v", err)
	}
	err = s.Send(context.Background(), testRecords(1))
	var de *exporter.DeliveryError
	if !errors.As(err, &de) || exporter.Classify(err).Kind != exporter.KindRetryable {
		t.Fatalf("Send to an unreachable HEC = %v, want retryable", err)
	}
}

func TestSend_Otelcol_ClientCertificate(t *testing.T) {
	h := receivers.StartOtelcolHEC(t, receivers.OtelcolHECOptions{TLS: true, ClientAuth: true})
	c := otelcolConfig(t, h)
	c.HealthCheck = false
	recs := testRecords(5)
	err := newSink(t, c).Send(context.Background(), recs)
	if de := exporter.Classify(err); err == nil || de.Kind != exporter.KindRetryable {
		t.Fatalf("Send without a client certificate = %v, want a retryable error", err)
	}
	c.CertFile, c.KeyFile = h.CertFile, h.KeyFile
	if err := newSink(t, c).Send(context.Background(), recs); err != nil {
		t.Fatalf("Send with a client certificate: %v", err)
	}
	checkArrived(t, recs, h.WaitEvents(t, len(recs), 20*time.Second))
}
