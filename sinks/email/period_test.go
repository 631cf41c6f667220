package email

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// Delivery and period semantics, against a real mailpit and a real state file.

func plainSink(t *testing.T, m *receivers.Mailpit, path string, now func() time.Time) *Sink {
	t.Helper()
	cfg := mailpitConfig(m, TLSNone)
	return newSink(t, cfg, openState(t, path), now)
}

func bypass(repo string, n int, actor string, at time.Time) exporter.Record {
	return alertRec(exporter.SourceSecretScanning, repo, n, exporter.ActionPushProtectionBypassed, "", at, func(r *exporter.Record) {
		r.Actor, r.Alert.SecretType = actor, "slack_api_token"
	})
}

func created(repo string, n int) exporter.Record {
	return alertRec(exporter.SourceDependabot, repo, n, exporter.ActionCreated, "high", base.Add(time.Duration(n)*time.Second), nil)
}

func TestPeriod_ClosedAfterAcceptNextHasOnlyNew(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitPlain)
	clk := &clock{t: base}
	s := plainSink(t, m, "", clk.Now)
	ctx := context.Background()
	if err := s.Send(ctx, []exporter.Record{created("acme/first", 1), created("acme/first", 2)}); err != nil {
		t.Fatal(err)
	}
	clk.Set(base.Add(24 * time.Hour))
	if err := s.sendDigest(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, []exporter.Record{created("acme/second", 3)}); err != nil {
		t.Fatal(err)
	}
	clk.Set(base.Add(48 * time.Hour))
	if err := s.sendDigest(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := m.WaitMessages(2, 10*time.Second)
	if !strings.Contains(msgs[0].Subject, "2 new security events") || !strings.Contains(msgs[0].Text, "acme/first#2") {
		t.Errorf("first digest: %q\n%s", msgs[0].Subject, msgs[0].Text)
	}
	if !strings.Contains(msgs[1].Subject, "1 new security events") || strings.Contains(msgs[1].Text, "acme/first") || !strings.Contains(msgs[1].Text, "acme/second#3") {
		t.Errorf("second digest repeats the first period or misses the new record: %q\n%s", msgs[1].Subject, msgs[1].Text)
	}
	if !strings.Contains(msgs[1].Text, "2025-03-11 08:00 UTC to 2025-03-12 08:00 UTC") {
		t.Errorf("second digest does not start where the first ended:\n%s", msgs[1].Text)
	}
}

func TestPeriod_EmptyDigestAndSkipEmpty(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitPlain)
	s := plainSink(t, m, "", nil)
	if err := s.sendDigest(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := m.WaitMessages(1, 10*time.Second)
	if !strings.Contains(msgs[0].Text, "Nothing new") || !strings.Contains(msgs[0].Subject, "0 new security events") {
		t.Errorf("empty digest: %q\n%s", msgs[0].Subject, msgs[0].Text)
	}
	s.cfg.SkipEmpty = true
	if err := s.sendDigest(context.Background()); err != nil {
		t.Fatal(err)
	}
	if sends, _ := retriesOf(s).counts(); sends != 1 || len(m.Messages()) != 1 {
		t.Errorf("skip_empty: %d sends, %d messages; want only the first digest", sends, len(m.Messages()))
	}
}

func TestPeriod_RestartKeepsUnsentPeriod(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitPlain)
	path := filepath.Join(t.TempDir(), "state.db")
	db1 := openState(t, path)
	s1 := newSink(t, mailpitConfig(m, TLSNone), db1, nil)
	if err := s1.Send(context.Background(), []exporter.Record{created("acme/kept", 1)}); err != nil {
		t.Fatal(err)
	}
	db1.Close() // the daemon stops before the schedule fires

	s2 := plainSink(t, m, path, nil)
	if err := s2.Send(context.Background(), []exporter.Record{created("acme/kept", 2)}); err != nil {
		t.Fatal(err)
	}
	if err := s2.sendDigest(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := m.WaitMessages(1, 10*time.Second)
	if !strings.Contains(msgs[0].Text, "acme/kept#1") || !strings.Contains(msgs[0].Text, "acme/kept#2") {
		t.Errorf("digest after restart lost the unsent period:\n%s", msgs[0].Text)
	}
}

func TestPeriod_CutButUnconfirmedIsMailedAtStart(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitPlain)
	path := filepath.Join(t.TempDir(), "state.db")
	db1 := openState(t, path)
	s1 := newSink(t, mailpitConfig(m, TLSNone), db1, nil)
	if err := s1.Send(context.Background(), []exporter.Record{created("acme/crash", 1)}); err != nil {
		t.Fatal(err)
	}
	// The process dies between cutting the period and closing it.
	if _, err := s1.store.cut(time.Now()); err != nil {
		t.Fatal(err)
	}
	db1.Close()

	cfg := mailpitConfig(m, TLSNone)
	cfg.DigestSchedule = "0 0 1 1 *" // far away: only the catch-up may mail
	s2 := newSink(t, cfg, openState(t, path), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s2.Run(ctx); close(done) }()
	msgs := m.WaitMessages(1, 10*time.Second)
	cancel()
	<-done
	if !strings.Contains(msgs[0].Text, "acme/crash#1") {
		t.Errorf("catch-up digest misses the cut period:\n%s", msgs[0].Text)
	}
	if _, ok, _ := s2.store.pending(); ok || countEntries(t, s2) != 0 {
		t.Error("catch-up digest did not close its period")
	}
}

func TestDelivery_Chaos451RetriedUntilAccepted(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitStartTLS)
	s := newSink(t, mailpitConfig(m, TLSStartTLS), openState(t, ""), nil)
	r := retriesOf(s)
	ctx := context.Background()
	if err := s.Send(ctx, []exporter.Record{created("acme/before", 1)}); err != nil {
		t.Fatal(err)
	}
	m.SetChaos(451)
	r.onWait = func(n int) {
		if n == 3 {
			// Records arriving while the digest is in flight belong to the next one.
			if err := s.Send(ctx, []exporter.Record{created("acme/during", 2)}); err != nil {
				t.Error(err)
			}
			if n := len(m.Messages()); n != 0 {
				t.Errorf("mailpit accepted %d messages under chaos", n)
			}
			m.SetChaos(0)
		}
	}
	if err := s.sendDigest(ctx); err != nil {
		t.Fatalf("digest not delivered after chaos ended: %v", err)
	}
	if sends, waits := r.counts(); sends != 4 || waits != 3 {
		t.Errorf("%d sends, %d waits; want three 451s retried, then accepted", sends, waits)
	}
	if got, want := r.waits, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	msgs := m.WaitMessages(1, 10*time.Second)
	if len(msgs) != 1 || strings.Contains(msgs[0].Text, "acme/during") || !strings.Contains(msgs[0].Text, "acme/before#1") {
		t.Fatalf("got %d messages; first:\n%s", len(msgs), msgs[0].Text)
	}
	if n := countEntries(t, s); n != 1 {
		t.Errorf("%d entries left, want 1 (the record sent during delivery)", n)
	}
	if err := s.sendDigest(ctx); err != nil {
		t.Fatal(err)
	}
	msgs = m.WaitMessages(2, 10*time.Second)
	if !strings.Contains(msgs[1].Text, "acme/during#2") || strings.Contains(msgs[1].Text, "acme/before") {
		t.Errorf("next digest:\n%s", msgs[1].Text)
	}
}

func TestDelivery_5xxKeptForNextSchedule(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitStartTLS)
	s := newSink(t, mailpitConfig(m, TLSStartTLS), openState(t, ""), nil)
	r := retriesOf(s)
	ctx := context.Background()
	if err := s.Send(ctx, []exporter.Record{created("acme/refused", 1)}); err != nil {
		t.Fatal(err)
	}
	m.SetChaos(550)
	err := s.sendDigest(ctx)
	if err == nil || !strings.Contains(err.Error(), "550") || exporter.Classify(err).Kind != exporter.KindPermanent {
		t.Fatalf("sendDigest = %v, want the permanent 550 reply", err)
	}
	if sends, waits := r.counts(); sends != 1 || waits != 0 {
		t.Errorf("a 550 reply: %d sends, %d waits; want one send, no retry", sends, waits)
	}
	if h := r.Health(); h.Failures != 1 || h.FailingSince.IsZero() {
		t.Errorf("health %+v: the 550 must count and leave the sink failing", h)
	}
	if _, ok, _ := s.store.pending(); !ok || countEntries(t, s) != 1 {
		t.Fatal("refused period was closed")
	}
	// The next schedule: the server is fixed, new records arrived.
	m.SetChaos(0)
	if err := s.Send(ctx, []exporter.Record{created("acme/later", 2)}); err != nil {
		t.Fatal(err)
	}
	if err := s.sendDigest(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := m.WaitMessages(1, 10*time.Second)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "acme/refused#1") || !strings.Contains(msgs[0].Text, "acme/later#2") {
		t.Fatalf("got %d messages; the retried digest must cover both periods:\n%s", len(msgs), msgs[0].Text)
	}
	if h := r.Health(); !h.FailingSince.IsZero() {
		t.Errorf("health %+v: recovered sink still failing", h)
	}
}

func TestDelivery_ConcurrentSendAndDigestLoseNothing(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitPlain)
	s := plainSink(t, m, "", nil)
	ctx := context.Background()
	const senders, batches, perBatch = 4, 20, 5
	var wg sync.WaitGroup
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				var batch []exporter.Record
				for i := range perBatch {
					batch = append(batch, created(fmt.Sprintf("acme/r%d", g), b*perBatch+i+1))
				}
				if err := s.Send(ctx, batch); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	stop := make(chan struct{})
	digests := make(chan int, 1)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				digests <- n
				return
			default:
			}
			if err := s.sendDigest(ctx); err != nil {
				t.Error(err)
			}
			n++
		}
	}()
	wg.Wait()
	close(stop)
	n := <-digests
	if err := s.sendDigest(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := m.WaitMessages(n+1, 20*time.Second)
	total := 0
	for _, msg := range msgs {
		var k int
		if _, err := fmt.Sscanf(msg.Subject, "[ghsec] %d new", &k); err != nil {
			t.Fatalf("subject %q: %v", msg.Subject, err)
		}
		total += k
	}
	if want := senders * batches * perBatch; total != want {
		t.Errorf("digests counted %d events over %d mails, want exactly %d", total, len(msgs), want)
	}
}
