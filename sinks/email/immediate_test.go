package email

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
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
	clk := &clock{t: base}
	s := newSink(t, immediateConfig(m), openState(t, ""), clk.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	if err := s.Send(ctx, []exporter.Record{bypass("acme/widgets", 3, "mallory", base), created("acme/widgets", 4)}); err != nil {
		t.Fatal(err)
	}
	// The second bypass comes within immediate_delay of the first: while the
	// clock stands still, no tick may mail the first alone.
	clk.Set(base.Add(300 * time.Millisecond))
	if err := s.Send(ctx, []exporter.Record{bypass("acme/widgets", 5, "eve", base.Add(time.Second))}); err != nil {
		t.Fatal(err)
	}
	if sends, _ := retriesOf(s).counts(); sends != 0 {
		t.Fatalf("%d mails attempted before immediate_delay passed", sends)
	}
	clk.Set(base.Add(time.Second))
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
	testtools.WaitFor(t, "the immediate queue to clear", func() bool { return queueLen(t, s) == 0 })
	// Later flushes, even forced, find nothing to repeat.
	for range 2 {
		if err := s.flushImmediate(ctx, true); err != nil {
			t.Fatal(err)
		}
	}
	if sends, _ := retriesOf(s).counts(); sends != 1 || len(m.Messages()) != 1 {
		t.Errorf("%d sends, %d messages, want 1 each", sends, len(m.Messages()))
	}
	// The records stay in the digest period.
	if n := countEntries(t, s); n != 3 {
		t.Errorf("digest period has %d entries, want 3", n)
	}
}

func TestImmediate_451RetriedThen5xxHeld(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitStartTLS)
	s := newSink(t, immediateConfig(m), openState(t, ""), nil)
	r := retriesOf(s)
	ctx := context.Background()
	if err := s.Send(ctx, []exporter.Record{bypass("acme/api", 1, "mallory", base)}); err != nil {
		t.Fatal(err)
	}
	m.SetChaos(550)
	if err := s.flushImmediate(ctx, true); exporter.Classify(err).Kind != exporter.KindPermanent {
		t.Fatalf("flushImmediate under 550 = %v, want a permanent failure", err)
	}
	if sends, waits := r.counts(); sends != 1 || waits != 0 {
		t.Fatalf("550: %d sends, %d waits; want one send, no retry", sends, waits)
	}
	if queueLen(t, s) != 1 {
		t.Fatal("refused immediate mail was dropped from the queue")
	}
	// A refused mail holds the queue: the next tick does not hammer the server.
	if err := s.flushImmediate(ctx, false); err != nil || len(m.Messages()) != 0 {
		t.Fatalf("held queue flushed: %v", err)
	}
	if sends, _ := r.counts(); sends != 1 {
		t.Fatalf("held queue was sent again (%d sends)", sends)
	}
	// Two 451 replies, then the server recovers: the second wait heals it,
	// so exactly two retries must have been hit.
	m.SetChaos(451)
	r.onWait = func(n int) {
		if n == 2 {
			m.SetChaos(0)
		}
	}
	if err := s.flushImmediate(ctx, true); err != nil {
		t.Fatalf("immediate mail not delivered after 451s: %v", err)
	}
	if sends, waits := r.counts(); sends != 4 || waits != 2 {
		t.Errorf("%d sends, %d waits; want 550 + two 451s + the accepted one, with two waits", sends, waits)
	}
	h := r.Health()
	if h.Failures != 3 || h.Retries != 2 || !h.FailingSince.IsZero() || !strings.Contains(h.LastError, "451") {
		t.Errorf("health %+v: want the 550 and two 451s counted, recovered", h)
	}
	msgs := m.WaitMessages(1, 10*time.Second)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "acme/api#1") {
		t.Fatalf("got %d messages", len(msgs))
	}
	if queueLen(t, s) != 0 {
		t.Error("delivered immediate mail left its queue")
	}
}
