package kafka

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// Each SASL mechanism authenticates, delivers, and check says the
// credential was accepted; a wrong password pauses delivery and fails
// that check.
func TestKafka_SASL(t *testing.T) {
	for _, mech := range []string{MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512} {
		t.Run(mech, func(t *testing.T) {
			c := newCluster(t, kfake.EnableSASL(), kfake.Superuser(mech, "ghsec", "s3cret"))
			cfg := testConfig(c)
			cfg.SASL = SASL{Mechanism: mech, Username: "ghsec", PasswordFile: writeSecret(t, "s3cret")}
			s := newSink(t, cfg)
			recs := mixedRecords(40)
			drain(t, sinktest.New(t, s, recs))
			compareRecords(t, consume(t, s, len(recs), topicAlerts, topicOther), recs)
			mustCheck(t, s, "credential accepted", true)

			// kfake drops the connection on a bad credential; a Kafka broker
			// first answers SASL_AUTHENTICATION_FAILED, as this control does
			c.ControlKey(int16(kmsg.SASLAuthenticate), func(req kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				resp := kmsg.NewPtrSASLAuthenticateResponse()
				resp.SetVersion(req.GetVersion())
				resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
				resp.ErrorMessage = kmsg.StringPtr("Authentication failed: Invalid username or password")
				return resp, nil, true
			})
			t.Setenv("GHSEC_TEST_KAFKA_PW", "wrong")
			cfg.SASL.PasswordFile, cfg.SASL.PasswordEnv = "", "GHSEC_TEST_KAFKA_PW"
			cfg.ProduceTimeout = config.Duration(time.Second) // the failing Send lasts it
			bad := newSink(t, cfg)
			err := sinktest.Send(t, bad, sinktest.Records(1))
			if de := exporter.Classify(err); de.Kind != exporter.KindPaused {
				t.Fatalf("wrong password: %v (%s), want paused", err, de.Kind)
			}
			if strings.Contains(err.Error(), "wrong") {
				t.Fatalf("the error shows the password: %v", err)
			}
			mustCheck(t, bad, "credential accepted", false)
		})
	}
}

// With tls: true and ca_file the brokers' certificate verifies and records
// arrive; without the CA, check names the certificate and Send pauses.
func TestKafka_TLS(t *testing.T) {
	certFile, keyFile := receivers.TLSFiles(t, t.TempDir())
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster(t, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))
	cfg := testConfig(c)
	cfg.TLS, cfg.CAFile = true, certFile
	s := newSink(t, cfg)
	recs := mixedRecords(30)
	drain(t, sinktest.New(t, s, recs))
	compareRecords(t, consume(t, s, len(recs), topicAlerts, topicOther), recs)
	if r := mustCheck(t, s, "tls verified", true); r.Detail != "certificate verified" {
		t.Fatalf("verified with the CA: %q", r.Detail)
	}

	// skipping verification connects, and check says it verified nothing
	skip := cfg
	skip.CAFile, skip.InsecureSkipVerify = "", true
	if r := mustCheck(t, newSink(t, skip), "tls verified", true); !strings.HasPrefix(r.Detail, "NOT verified") {
		t.Fatalf("insecure_skip_verify: %q, want NOT verified", r.Detail)
	}

	cfg.CAFile = ""
	cfg.ProduceTimeout = config.Duration(time.Second) // the failing Send lasts it
	untrusted := newSink(t, cfg)
	mustCheck(t, untrusted, "tls verified", false)
	err = sinktest.Send(t, untrusted, sinktest.Records(1))
	if de := exporter.Classify(err); de.Kind != exporter.KindPaused {
		t.Fatalf("untrusted certificate: %v (%s), want paused", err, de.Kind)
	}
}

// check proves the topics exist and compares the topics' limit with
// max_message_bytes; a missing topic and a lower limit each fail with a fix.
func TestKafka_Check(t *testing.T) {
	c := newCluster(t)
	s := newSink(t, testConfig(c))
	for _, r := range s.Check(context.Background()) {
		if !r.OK {
			t.Fatalf("check %s failed: %s", r.Check, r.Detail)
		}
	}
	mustCheck(t, s, "topic "+topicAlerts, true)
	mustCheck(t, s, "message size", true)

	if err := c.CreateTopic("small", 1, map[string]string{"max.message.bytes": "2048"}); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(c)
	cfg.Topics.Audit, cfg.Topics.Request = "no.such.topic", "small"
	s = newSink(t, cfg)
	mustCheck(t, s, "topic no.such.topic", false)
	mustCheck(t, s, "topic small", true)

	cfg.Topics.Audit = ""
	s = newSink(t, cfg)
	if r := mustCheck(t, s, "message size", false); !strings.Contains(r.Fix, "max_message_bytes") {
		t.Fatalf("fix %q", r.Fix)
	}

	cfg = testConfig(c)
	cfg.Brokers = []string{testtools.ClosedAddr(t)}
	mustCheck(t, newSink(t, cfg), "reachable", false)
}

// mustCheck runs s's check and returns the verdict named name, failing
// the test unless its OK is ok.
func mustCheck(t *testing.T, s *Sink, name string, ok bool) exporter.CheckResult {
	t.Helper()
	rs := s.Check(context.Background())
	for _, r := range rs {
		if r.Check == name {
			if r.OK != ok {
				t.Fatalf("check %q: ok=%v (%s), want %v; all: %+v", name, r.OK, r.Detail, ok, rs)
			}
			if !r.OK && r.Fix == "" {
				t.Fatalf("check %q failed without a fix", name)
			}
			return r
		}
	}
	t.Fatalf("no check %q in %+v", name, rs)
	return exporter.CheckResult{}
}
