package email

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
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

func (s *Sink) digestLoop(ctx context.Context) {
	if sp, ok, err := s.store.pending(); err != nil {
		s.log.Error("read pending digest", "err", err)
	} else if ok {
		s.log.Info("mailing a digest that was cut but not confirmed before a restart", "period_start", sp.Start, "period_end", sp.End)
		_ = s.sendDigest(ctx, s.schedule.Next(s.now()))
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
		_ = s.sendDigest(ctx, s.schedule.Next(next))
	}
}

// sendDigest cuts the current period, mails the digest of every open
// period and closes them once the server accepted it. Temporary failures
// are retried until deadline (zero: no limit); any failure leaves the
// periods open for the next digest.
func (s *Sink) sendDigest(ctx context.Context, deadline time.Time) error {
	s.digestMu.Lock()
	defer s.digestMu.Unlock()
	sp, err := s.store.cut(s.now())
	if err != nil {
		s.log.Error("cut digest period", "err", err)
		return fmt.Errorf("cut digest period: %w", err)
	}
	d, err := s.buildDigest(sp)
	if err != nil {
		s.log.Error("build digest", "err", err)
		return err
	}
	if d.Empty() && s.cfg.SkipEmpty {
		s.log.Debug("no events since the last digest; skipping it", "period_start", sp.Start)
		return s.store.closeSpan(sp, false)
	}
	r, err := s.tmpl.digest(d)
	if err != nil {
		s.log.Error("render digest", "err", err)
		return err
	}
	if err := s.deliver(ctx, "digest", r, deadline); err != nil {
		s.log.Error("digest not delivered; its events stay for the next digest", "events", d.New, "period_start", sp.Start, "err", err)
		return err
	}
	if err := s.store.closeSpan(sp, true); err != nil {
		s.log.Error("digest was accepted but its period could not be closed; the next digest repeats it", "err", err)
		return fmt.Errorf("close digest period: %w", err)
	}
	s.log.Info("digest sent", "events", d.New, "period_start", sp.Start, "period_end", sp.End, "open_alerts", d.Open.Total)
	return nil
}

// deliver mails r, retrying 4xx replies and network failures with capped
// exponential backoff until deadline or ctx ends. A 5xx reply ends it.
func (s *Sink) deliver(ctx context.Context, kind string, r rendered, deadline time.Time) error {
	backoff := time.Second
	for attempt := 1; ; attempt++ {
		msg, err := s.mailer.message(r, s.now())
		if err != nil {
			return fmt.Errorf("build %s mail: %w", kind, err)
		}
		err = s.mailer.send(ctx, msg)
		if err == nil {
			if attempt > 1 {
				s.log.Info("mail delivered after retries", "kind", kind, "attempts", attempt)
			}
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("send %s mail: %w", kind, ctx.Err())
		}
		var se *smtpError
		if !errors.As(err, &se) || !se.Temporary {
			return fmt.Errorf("send %s mail: %w", kind, err)
		}
		wait := backoff
		backoff = min(2*backoff, s.cfg.RetryMaxBackoff.D())
		if !deadline.IsZero() && s.now().Add(wait).After(deadline) {
			return fmt.Errorf("send %s mail: still failing at the next scheduled run: %w", kind, err)
		}
		s.log.Warn("smtp delivery failed temporarily; retrying", "kind", kind, "code", se.Code, "attempt", attempt, "retry_in", wait, "err", err)
		if !s.sleep(ctx, wait) {
			return fmt.Errorf("send %s mail: %w", kind, ctx.Err())
		}
	}
}
