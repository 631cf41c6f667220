package azuremonitor

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

// newSink resolves c and builds the sink; the test fails on any error.
func newSink(t testing.TB, c Config) *Sink {
	t.Helper()
	return sinktest.Build(t, c, New, sinktest.Deps())
}

// wantAll fails unless every record arrived, each at least once.
func wantAll(t *testing.T, f *fakeAzure, recs []exporter.Record) {
	t.Helper()
	_, _, got := f.stats()
	for _, r := range recs {
		if got[r.ID] == 0 {
			t.Fatalf("record %s never arrived (%d distinct arrived of %d)", r.ID, len(got), len(recs))
		}
	}
}

func TestSend_ClientSecret_Delivers(t *testing.T) {
	f := newFakeAzure(t)
	s := newSink(t, f.config(t))
	recs := sinktest.Records(50)
	if err := sinktest.Send(t, s, recs); err != nil {
		t.Fatal(err)
	}
	wantAll(t, f, recs)
	calls, tokens, got := f.stats()
	if calls != 1 || tokens != 1 || len(got) != 50 {
		t.Fatalf("calls %d, token requests %d, records %d; want 1, 1, 50", calls, tokens, len(got))
	}
	if f.gzipped != 1 {
		t.Fatalf("gzipped calls %d, want 1 (compress is on by default)", f.gzipped)
	}
	// the token is cached: a second Send asks for none
	if err := sinktest.Send(t, s, recs[:1]); err != nil {
		t.Fatal(err)
	}
	if _, tokens, _ := f.stats(); tokens != 1 {
		t.Fatalf("token requests %d after a second Send, want 1", tokens)
	}
}

func TestSend_Uncompressed(t *testing.T) {
	f := newFakeAzure(t)
	c := f.config(t)
	c.Compress = false
	s := newSink(t, c)
	recs := sinktest.Records(3)
	if err := sinktest.Send(t, s, recs); err != nil {
		t.Fatal(err)
	}
	wantAll(t, f, recs)
	if f.gzipped != 0 {
		t.Fatalf("gzipped calls %d with compress off", f.gzipped)
	}
}

// Calls stay within max_batch_bytes: a batch larger than one call goes
// out in several, each a valid array under the fake's limit.
func TestSend_SplitsWithinLimit(t *testing.T) {
	f := newFakeAzure(t)
	c := f.config(t)
	c.MaxBatchBytes = 8 << 10
	f.setLimit(8 << 10) // the fake refuses anything larger with 413
	s := newSink(t, c)
	recs := sinktest.Records(200)
	if err := sinktest.Send(t, s, recs); err != nil {
		t.Fatal(err)
	}
	wantAll(t, f, recs)
	calls, _, got := f.stats()
	if calls < 2 || len(got) != 200 {
		t.Fatalf("%d calls for %d records; want several calls, every record once", calls, len(got))
	}
	for id, n := range got {
		if n != 1 {
			t.Fatalf("record %s arrived %d times", id, n)
		}
	}
}

// A 413 halves the call within the same Send until the halves fit, and a
// record that alone is too large is dead-lettered (Rejected).
func TestSend_413HalvesAndRejectsTheLoneRecord(t *testing.T) {
	f := newFakeAzure(t)
	s := newSink(t, f.config(t)) // calls of up to 1,000,000 bytes
	recs := sinktest.Records(64)
	recs[10].Alert.Title = strings.Repeat("x", 20<<10) // alone over the fake's limit
	f.setLimit(16 << 10)
	err := sinktest.Send(t, s, recs)
	de := exporter.Classify(err)
	if de.Kind != exporter.KindRejected || len(de.Rejected) != 1 || de.Rejected[0] != 10 {
		t.Fatalf("got %v (%v, rejected %v); want record 10 alone rejected", err, de.Kind, de.Rejected)
	}
	_, _, got := f.stats()
	for i, r := range recs {
		if i != 10 && got[r.ID] != 1 {
			t.Fatalf("record %d arrived %d times, want once", i, got[r.ID])
		}
	}
	if got[recs[10].ID] != 0 {
		t.Fatal("the oversized record arrived")
	}
}

// A record larger than max_batch_bytes is refused without a call.
func TestSend_RecordOverMaxBatchBytes(t *testing.T) {
	f := newFakeAzure(t)
	c := f.config(t)
	c.MaxBatchBytes = 4096
	s := newSink(t, c)
	recs := sinktest.Records(3)
	recs[1].Alert.Title = strings.Repeat("y", 5000)
	err := sinktest.Send(t, s, recs)
	de := exporter.Classify(err)
	if de.Kind != exporter.KindRejected || len(de.Rejected) != 1 || de.Rejected[0] != 1 || !errors.Is(err, errTooLarge) {
		t.Fatalf("got %v; want record 1 rejected as too large", err)
	}
	if calls, _, got := f.stats(); calls != 1 || len(got) != 2 {
		t.Fatalf("%d calls, %d records; want 1 call with the 2 others", calls, len(got))
	}
}

// The SDK makes exactly one attempt per call: the delivery loop owns
// retries. A 429's Retry-After reaches the loop.
func TestSend_ThrottledOnceNoSDKRetry(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{"seconds", map[string]string{"Retry-After": "7"}, 7 * time.Second},
		{"ms", map[string]string{"retry-after-ms": "1500", "Retry-After": "2"}, 1500 * time.Millisecond},
		{"none", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAzure(t)
			s := newSink(t, f.config(t))
			f.answer(reply{status: 429, header: tc.header})
			err := sinktest.Send(t, s, sinktest.Records(5))
			de := sinktest.MustRetry(t, "429", err)
			if de.Kind != exporter.KindRetryable || de.RetryAfter != tc.want {
				t.Fatalf("got %v after %v; want retryable after %v", de.Kind, de.RetryAfter, tc.want)
			}
			if calls, _, _ := f.stats(); calls != 1 {
				t.Fatalf("%d calls reached the DCE; the SDK must not retry on its own", calls)
			}
		})
	}
}

func TestSend_Classification(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply reply
		token bool // script the token endpoint instead of the DCE
		want  exporter.DeliveryKind
		text  string
	}{
		{"dce 503", reply{status: 503}, false, exporter.KindRetryable, "503"},
		{"dce 500", reply{status: 500}, false, exporter.KindRetryable, "500"},
		{"dce 403 role", reply{status: 403, body: `{"error":{"code":"OperationFailed","message":"The authentication token provided does not have access to ingest data for the data collection rule"}}`}, false, exporter.KindPaused, "Monitoring Metrics Publisher"},
		{"dce 404 rule", reply{status: 404, body: `{"error":{"code":"NotFound","message":"Data collection rule not found"}}`}, false, exporter.KindPaused, "rule_id"},
		{"dce 400", reply{status: 400}, false, exporter.KindPaused, "stream"},
		{"token 401", reply{status: 401, body: `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}`}, true, exporter.KindPaused, "AADSTS7000215"},
		{"token 400", reply{status: 400, body: `{"error":"invalid_request","error_description":"AADSTS90002: Tenant not found."}`}, true, exporter.KindPaused, "AADSTS90002"},
		{"token 503", reply{status: 503, body: `{"error":"temporarily_unavailable","error_description":"try later"}`}, true, exporter.KindRetryable, "503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAzure(t)
			s := newSink(t, f.config(t))
			if tc.token {
				f.answerToken(tc.reply)
			} else {
				f.answer(tc.reply)
			}
			err := sinktest.Send(t, s, sinktest.Records(4))
			de := sinktest.MustRetry(t, tc.name, err)
			if de.Kind != tc.want || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("got %v: %v; want %v mentioning %q", de.Kind, err, tc.want, tc.text)
			}
			if strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error leaks the secret or spans lines: %q", err)
			}
			// the fault cleared, the same sink delivers
			recs := sinktest.Records(4)
			if err := sinktest.Send(t, s, recs); err != nil {
				t.Fatalf("after the fault: %v", err)
			}
			wantAll(t, f, recs)
		})
	}
}

// Without ca_file the test CA is unknown: the token request fails its
// certificate check, retried, never a token sent anywhere.
func TestSend_UntrustedCA(t *testing.T) {
	f := newFakeAzure(t)
	c := f.config(t)
	c.CAFile = ""
	s := newSink(t, c)
	err := sinktest.Send(t, s, sinktest.Records(2))
	if de := sinktest.MustRetry(t, "untrusted", err); de.Kind != exporter.KindRetryable {
		t.Fatalf("got %v, want retryable", de.Kind)
	}
	if calls, tokens, _ := f.stats(); calls != 0 || tokens != 0 {
		t.Fatalf("%d calls, %d token requests reached the fakes over an untrusted TLS", calls, tokens)
	}
}

// The delivery loop through a broken DCE and token endpoint: every record
// is kept while they fail, and all arrive once they heal.
func TestDeliverer_FailThenRecover(t *testing.T) {
	f := newFakeAzure(t)
	c := f.config(t)
	c.MaxBatchBytes = 32 << 10
	s := newSink(t, c)
	recs := sinktest.Records(300)
	h := sinktest.New(t, s, recs)
	f.answerToken(reply{status: 503})
	f.answer(reply{status: 503}, reply{status: 429, header: map[string]string{"retry-after-ms": "1"}}, reply{status: 500})
	h.FailThenRecover(t, 4, func() {})
	wantAll(t, f, recs)
}

func TestDeliverer_FailThenRecover_413(t *testing.T) {
	f := newFakeAzure(t)
	s := newSink(t, f.config(t))
	recs := sinktest.Records(500)
	f.setLimit(20 << 10) // every 1 MB call is halved within the Send
	h := sinktest.New(t, s, recs)
	f.answer(reply{status: 502})
	h.FailThenRecover(t, 1, func() {})
	wantAll(t, f, recs)
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.accepted) < 2 {
		t.Fatalf("accepted calls %v: the 413 did not split", f.accepted)
	}
}

func TestSendRaw_SameBodiesAsSend(t *testing.T) {
	f := newFakeAzure(t)
	s := newSink(t, f.config(t))
	recs := sinktest.Records(5)
	if err := sinktest.Send(t, s, recs); err != nil {
		t.Fatal(err)
	}
	raws := formattest.Raw(t, recs)
	if err := s.SendRaw(context.Background(), raws); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range recs {
		if string(f.bodies[i]) != string(f.bodies[i+len(recs)]) {
			t.Fatalf("record %d: Send shipped %s, SendRaw %s", i, f.bodies[i], f.bodies[i+len(recs)])
		}
	}
}
