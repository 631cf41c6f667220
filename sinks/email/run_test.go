package email

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

func TestRun_DigestOnSchedule(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitPlain)
	cfg := mailpitConfig(m, TLSNone)
	cfg.DigestSchedule = "@every 1s"
	cfg.SkipEmpty = true
	s := newSink(t, cfg, openState(t, ""), nil)
	skipped := &atomic.Int32{}
	s.log = slog.New(countMsg{s.log.Handler(), "no events since the last digest; skipped it", skipped})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	if err := s.Send(ctx, []exporter.Record{created("acme/scheduled", 1)}); err != nil {
		t.Fatal(err)
	}
	msgs := m.WaitMessages(1, 10*time.Second)
	// Two more schedules with nothing new: both skipped, counted as they happen.
	testtools.WaitFor(t, "two skipped digests", func() bool { return skipped.Load() >= 2 })
	cancel()
	<-done
	if !strings.Contains(msgs[0].Text, "acme/scheduled#1") {
		t.Errorf("scheduled digest:\n%s", msgs[0].Text)
	}
	if sends, _ := retriesOf(s).counts(); sends != 1 || len(m.Messages()) != 1 {
		t.Errorf("%d sends, %d messages, want 1 (later periods were empty and skip_empty is set)", sends, len(m.Messages()))
	}
}

// countMsg counts log records with one message.
type countMsg struct {
	slog.Handler
	msg string
	n   *atomic.Int32
}

func (h countMsg) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.n.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}
