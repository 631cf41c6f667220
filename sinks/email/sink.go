package email

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/robfig/cron/v3"
)

// Sink is the email sink. Send and Run may run concurrently: the state
// file's transactions order them, and a digest is cut at a period boundary
// before it is mailed.
type Sink struct {
	cfg       Config
	name      string
	version   string
	log       *slog.Logger
	now       func() time.Time
	db        exporter.SinkStore
	store     *store
	loc       *time.Location
	schedule  cron.Schedule
	immediate map[string]bool
	tmpl      *templates
	mailer    *mailer

	// digestMu and immedMu serialize the digest and the immediate mail with
	// themselves (a catch-up digest against a scheduled one, a test's direct
	// call against Run).
	digestMu, immedMu sync.Mutex
	// wake is poked by Send when it queued an immediate record.
	wake chan struct{}
	// immedHold delays immediate mail after a permanent failure (unix ns).
	immedHold atomic.Int64
	closed    atomic.Bool
	// fixKeep is how many times to fix a digest holds in memory before it
	// finds their median by walking the period again (tests lower it).
	fixKeep int
	// attempts runs every mail and retried state access: one retry policy,
	// one set of metrics with the sink's outbox.
	attempts exporter.Attempter
}

var (
	_ exporter.Sink   = (*Sink)(nil)
	_ exporter.Runner = (*Sink)(nil)
)

// ErrClosed is returned by Send after Close.
var ErrClosed = errors.New("email sink is closed")

// New builds the sink from the resolved config (password, TLS, time zone,
// schedule and templates read and parsed by Config.Resolve). It needs
// deps.Store (digests live in the state file) and deps.Attempts.
func New(r Resolved, deps exporter.SinkDeps) (*Sink, error) {
	cfg := r.Config
	if deps.Store == nil {
		return nil, errors.New("email sink needs the state store")
	}
	if deps.Attempts == nil {
		return nil, errors.New("email sink needs the delivery loop's Attempter")
	}
	s := &Sink{
		cfg: cfg, name: deps.Name, version: deps.Version, log: deps.Logger, now: deps.Now,
		db: deps.Store, store: &store{db: deps.Store, name: deps.Name, chunk: defaultChunk}, loc: r.loc, schedule: r.schedule,
		immediate: map[string]bool{}, tmpl: r.tmpl, mailer: &mailer{cfg: cfg, password: r.password, tls: r.tls, version: deps.Version}, wake: make(chan struct{}, 1), attempts: deps.Attempts,
		fixKeep: keepFixTimes,
	}
	for _, a := range cfg.ImmediateActions {
		s.immediate[a] = true
	}
	if err := s.store.init(s.now()); err != nil {
		return nil, fmt.Errorf("initialize digest state: %w", err)
	}
	return s, nil
}

// Send adds batch to the current digest period and queues the records of
// immediate actions, durably, in one transaction. A record whose id is
// already in a period not yet mailed is a redelivery and is dropped. It
// mails nothing: Run does. An error (the state file failing) is
// unclassified, so the delivery loop keeps the batch and retries.
func (s *Sink) Send(ctx context.Context, batch []exporter.Record) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if len(batch) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	queued, dups, err := s.store.appendBatch(batch, s.immediate, s.now())
	if err != nil {
		return fmt.Errorf("store %d records for the digest: %w", len(batch), err)
	}
	if dups > 0 {
		s.log.Debug("dropped redelivered records already in the digest", "records", dups)
	}
	if queued > 0 {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// Close stops accepting records. Run ends with its context.
func (s *Sink) Close() error {
	s.closed.Store(true)
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) bool { return exporter.Sleep(ctx, d) == nil }
