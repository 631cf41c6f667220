package email

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Run mails digests on the schedule and immediate mails as they queue up,
// until ctx is done. A digest cut before a restart and never confirmed is
// mailed at once (it may repeat one the server had already accepted).
func (s *Sink) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.digestLoop(ctx) }()
	go func() { defer wg.Done(); s.immediateLoop(ctx) }()
	wg.Wait()
	return nil
}

// digestLoop's errors are already counted and logged by the Attempter.
func (s *Sink) digestLoop(ctx context.Context) {
	var sp span
	var ok bool
	if err := s.state(ctx, "read pending digest", func() (err error) {
		sp, ok, err = s.store.pending()
		return err
	}); err != nil {
		return
	}
	// A crash may have left a closed span's entries behind. Failing to
	// delete them costs disk, not digests: the loop goes on either way.
	_ = s.state(ctx, "prune closed digest periods", s.store.prune)
	if ok {
		s.log.Info("mailing a digest that was cut but not confirmed before a restart", "period_start", sp.Start, "period_end", sp.End)
		_ = s.digestUntil(ctx, s.schedule.Next(s.now()))
	}
	last := s.now()
	for {
		next := s.schedule.Next(last)
		if !sleepCtx(ctx, next.Sub(s.now())) {
			return
		}
		last = next
		// Retries of this digest stop at the next scheduled time, whose
		// digest then covers both periods.
		_ = s.digestUntil(ctx, s.schedule.Next(next))
	}
}

func (s *Sink) digestUntil(ctx context.Context, deadline time.Time) error {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	return s.sendDigest(ctx)
}

// sendDigest cuts the current period, mails the digest of every open
// period and closes them once the server accepted it. Failures are retried
// through the Attempter until ctx ends; one that stops the digest leaves
// the periods open for the next one.
func (s *Sink) sendDigest(ctx context.Context) error {
	s.digestMu.Lock()
	defer s.digestMu.Unlock()
	var sp span
	if err := s.state(ctx, "cut digest period", func() (err error) {
		sp, err = s.store.cut(s.now())
		return err
	}); err != nil {
		return err
	}
	var d *Digest
	if err := s.state(ctx, "build digest", func() (err error) {
		d, err = s.buildDigest(sp)
		return err
	}); err != nil {
		return err
	}
	skip := d.Empty() && s.cfg.SkipEmpty
	if !skip {
		if err := s.attempts.Attempt(ctx, "digest", func(ctx context.Context) error {
			r, err := s.tmpl.digest(d)
			if err != nil {
				return exporter.Permanent(fmt.Errorf("render digest: %w", err))
			}
			return s.mail(ctx, r)
		}); err != nil {
			return err
		}
	}
	if err := s.state(ctx, "close digest period", func() error {
		return s.store.closeSpan(sp, !skip)
	}); err != nil {
		// The server has the digest; the next one repeats its periods.
		return err
	}
	if skip {
		s.log.Debug("no events since the last digest; skipped it", "period_start", sp.Start)
	} else {
		s.log.Info("digest sent", "records", d.New, "period_start", sp.Start, "period_end", sp.End, "open_alerts", d.Open.Total)
	}
	// The span is closed, so what is left is disk space: a failure here
	// leaves garbage that no digest reads and the next prune deletes.
	return s.state(ctx, "prune closed digest periods", s.store.prune)
}

// mail makes one delivery attempt of r; its error is classified.
func (s *Sink) mail(ctx context.Context, r rendered) error {
	msg, err := s.mailer.message(r, s.now())
	if err != nil {
		return exporter.Permanent(fmt.Errorf("build mail: %w", err))
	}
	return s.mailer.send(ctx, msg)
}

// state runs a read or write of the sink's own state through the
// Attempter, so the state file failing is retried and shows in the sink's
// health like a failed delivery.
func (s *Sink) state(ctx context.Context, what string, fn func() error) error {
	return s.attempts.Attempt(ctx, what, func(context.Context) error { return fn() })
}
