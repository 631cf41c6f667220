package email

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// Integration tests against a real SMTP server: one mailpit per test.

func readGolden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".golden"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func normalize(s string) string { return strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n") }

// digestOverMailpit mails the fixture's digest (fixed clock, as the golden
// files) through m and returns what mailpit received.
func digestOverMailpit(t *testing.T, m *receivers.Mailpit, tlsMode string) receivers.Mail {
	t.Helper()
	db := openState(t, "")
	seedOpen(t, db)
	clk := &clock{t: base.Add(-24 * time.Hour)}
	s := newSink(t, mailpitConfig(m, tlsMode), db, clk.Now)
	if err := s.Send(context.Background(), fixture()); err != nil {
		t.Fatal(err)
	}
	clk.Set(base)
	if err := s.sendDigest(context.Background()); err != nil {
		t.Fatalf("sendDigest: %v\n--- mailpit ---\n%s", err, m.Log())
	}
	msgs := m.WaitMessages(1, 10*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("mailpit has %d messages, want 1", len(msgs))
	}
	if n := countEntries(t, s); n != 0 {
		t.Errorf("%d entries left after the digest was accepted, want 0 (period closed)", n)
	}
	return msgs[0]
}

func assertDigestMail(t *testing.T, got receivers.Mail) {
	t.Helper()
	if want := "[ghsec] 14 new security events — 2025-03-10 08:00 UTC"; got.Subject != want {
		t.Errorf("subject = %q, want %q", got.Subject, want)
	}
	if got.From == nil || got.From.Address != "ghsec@example.com" || got.From.Name != "ghsec-exporter" {
		t.Errorf("from = %+v", got.From)
	}
	var to []string
	for _, a := range got.To {
		to = append(to, a.Address)
	}
	if strings.Join(to, ",") != "security@example.com,ciso@example.com" {
		t.Errorf("to = %v", to)
	}
	if normalize(got.Text) != normalize(readGolden(t, "digest.txt")) {
		t.Errorf("text part differs from testdata/digest.txt.golden:\n%s", got.Text)
	}
	if normalize(got.HTML) != normalize(readGolden(t, "digest.html")) {
		t.Errorf("HTML part differs from testdata/digest.html.golden:\n%s", got.HTML)
	}
}

func countEntries(t *testing.T, s *Sink) int {
	t.Helper()
	n := 0
	if err := s.db.SinkView(s.name, func(kv exporter.KV) error {
		return kv.ForEach(prefDigest, func(_, _ []byte) error { n++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMailpit_DigestSTARTTLSWithAuth(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitStartTLS)
	assertDigestMail(t, digestOverMailpit(t, m, TLSStartTLS))
}

func TestMailpit_DigestImplicitTLS(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitImplicitTLS)
	assertDigestMail(t, digestOverMailpit(t, m, TLSImplicit))
}

func TestMailpit_WrongCAIsRefused(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitStartTLS)
	cfg := mailpitConfig(m, TLSStartTLS)
	cfg.CAFile = ""
	s := newSink(t, cfg, openState(t, ""), nil)
	retriesOf(s).maxWaits = 1
	if err := s.Send(context.Background(), fixture()[:1]); err != nil {
		t.Fatal(err)
	}
	err := s.sendDigest(context.Background())
	if err == nil {
		t.Fatal("digest delivered to a server with an untrusted certificate")
	}
	assertPaused(t, s)
	if countEntries(t, s) != 1 {
		t.Error("refused digest's period was closed")
	}
}

// assertPaused checks that a failure an operator must fix paused delivery:
// one send, then the maximum wait (the test's retries stop there).
func assertPaused(t *testing.T, s *Sink) {
	t.Helper()
	r := retriesOf(s)
	if sends, waits := r.counts(); sends != 1 || waits != 1 || r.waits[0] != 5*time.Minute {
		t.Errorf("%d sends, waits %v; want one send, then the 5m maximum wait", sends, r.waits)
	}
	if h := r.Health(); !h.Paused || h.Failures != 1 {
		t.Errorf("health %+v: want paused after one failure", h)
	}
}

func TestMailpit_WrongPasswordKeepsPeriod(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitStartTLS)
	cfg := mailpitConfig(m, TLSStartTLS)
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("wrong-password"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.PasswordFile = pw
	s := newSink(t, cfg, openState(t, ""), nil)
	retriesOf(s).maxWaits = 1
	if err := s.Send(context.Background(), fixture()[:2]); err != nil {
		t.Fatal(err)
	}
	err := s.sendDigest(context.Background())
	if err == nil || !strings.Contains(err.Error(), "535") {
		t.Fatalf("sendDigest = %v, want a 535 AUTH failure", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("error leaks the password: %v", err)
	}
	assertPaused(t, s)
	if countEntries(t, s) != 2 {
		t.Error("period closed although the digest was refused")
	}
}

func TestMailpit_NoSTARTTLSIsRefusedNotRetried(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitPlain)
	cfg := mailpitConfig(m, TLSStartTLS) // the server offers no STARTTLS
	s := newSink(t, cfg, openState(t, ""), nil)
	retriesOf(s).maxWaits = 1
	err := s.sendDigest(context.Background())
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("sendDigest = %v, want a STARTTLS error", err)
	}
	assertPaused(t, s)
	if n := len(m.Messages()); n != 0 {
		t.Errorf("%d messages: mail must never go out in clear text when starttls is set", n)
	}
}

func TestDelivery_UnreachableServerRetriesUntilNextSchedule(t *testing.T) {
	cfg := offlineConfig()
	cfg.Host, cfg.Port, cfg.TLS = "127.0.0.1", receivers.FreePort(t), TLSNone // nothing listens
	s := newSink(t, cfg, openState(t, ""), nil)
	r := retriesOf(s)
	if err := s.Send(context.Background(), fixture()[:1]); err != nil {
		t.Fatal(err)
	}
	// The backoff starts at 1s and the test's waits take no time: before a
	// deadline 2.5s away fit the 1s and 2s waits, not the 4s one.
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	err := s.sendDigest(ctx)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("sendDigest = %v, want the refused connection", err)
	}
	if sends, _ := r.counts(); sends != 3 || !slices.Equal(r.waits, []time.Duration{time.Second, 2 * time.Second}) {
		t.Errorf("%d sends, waits %v; want 3 sends with 1s and 2s between", sends, r.waits)
	}
	if h := r.Health(); h.Failures != 3 || h.Retries != 2 {
		t.Errorf("health %+v", h)
	}
	if countEntries(t, s) != 1 {
		t.Error("undelivered period was closed")
	}
}
