package email

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/receivers"
)

func immediateConfig(m *receivers.Mailpit) Config {
	cfg := mailpitConfig(m, TLSStartTLS)
	cfg.ImmediateActions = []string{exporter.ActionPushProtectionBypassed}
	cfg.ImmediateDelay = config.Duration(time.Second)
	cfg.DigestSchedule = "0 0 1 1 *" // keep digests out of the way
	return cfg
}

func queueLen(t *testing.T, s *Sink) int {
	t.Helper()
	q, err := s.store.immediateQueue()
	if err != nil {
		t.Fatal(err)
	}
	return len(q)
}

func TestImmediate_TwoBypassesInOneMail(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitStartTLS)
	s := newSink(t, immediateConfig(m), openState(t, ""), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	at := time.Now().UTC().Truncate(time.Second)
	if err := s.Send(ctx, []exporter.Record{bypass("acme/widgets", 3, "mallory", at), created("acme/widgets", 4)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := s.Send(ctx, []exporter.Record{bypass("acme/widgets", 5, "eve", at.Add(time.Second))}); err != nil {
		t.Fatal(err)
	}
	msgs := m.WaitMessages(1, 15*time.Second)
	got := msgs[0]
	if want := "[ghsec] 2 × push_protection_bypassed in acme/widgets"; got.Subject != want {
		t.Errorf("subject = %q, want %q", got.Subject, want)
	}
	for _, want := range []string{"acme/widgets#3", "by mallory", "acme/widgets#5", "by eve", "slack_api_token"} {
		if !strings.Contains(got.Text, want) || !strings.Contains(got.HTML, strings.TrimPrefix(want, "by ")) {
			t.Errorf("immediate mail lacks %q:\n%s", want, got.Text)
		}
	}
	if strings.Contains(got.Text, "acme/widgets#4") {
		t.Error("immediate mail contains a record whose action is not immediate")
	}
	waitFor(t, func() bool { return queueLen(t, s) == 0 }, "the immediate queue to clear")
	// Another tick or two must not repeat the mail.
	time.Sleep(1500 * time.Millisecond)
	if n := len(m.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	// The records stay in the digest period.
	if n := countEntries(t, s); n != 3 {
		t.Errorf("digest period has %d entries, want 3", n)
	}
}

func TestImmediate_451RetriedThen5xxHeld(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitStartTLS)
	s := newSink(t, immediateConfig(m), openState(t, ""), nil)
	ctx := context.Background()
	if err := s.Send(ctx, []exporter.Record{bypass("acme/api", 1, "mallory", base)}); err != nil {
		t.Fatal(err)
	}
	m.SetChaos(550)
	if err := s.flushImmediate(ctx, true); err == nil {
		t.Fatal("flushImmediate under 550 = nil")
	}
	if queueLen(t, s) != 1 {
		t.Fatal("refused immediate mail was dropped from the queue")
	}
	// A refused mail holds the queue: the next tick does not hammer the server.
	if err := s.flushImmediate(ctx, false); err != nil || len(m.Messages()) != 0 {
		t.Fatalf("held queue flushed: %v", err)
	}
	m.SetChaos(451)
	errc := make(chan error, 1)
	go func() { errc <- s.flushImmediate(ctx, true) }()
	time.Sleep(300 * time.Millisecond)
	m.SetChaos(0)
	if err := <-errc; err != nil {
		t.Fatalf("immediate mail not delivered after 451s: %v", err)
	}
	msgs := m.WaitMessages(1, 10*time.Second)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "acme/api#1") {
		t.Fatalf("got %d messages", len(msgs))
	}
	if queueLen(t, s) != 0 {
		t.Error("delivered immediate mail left its queue")
	}
}
