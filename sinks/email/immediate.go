package email

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Immediate is one immediate mail: the records of immediate actions that
// queued up together. The immediate_subject template sees it.
type Immediate struct {
	Sink, Version string
	Count         int
	// Actions and Repos are the distinct actions and repositories,
	// comma-separated (repositories: at most three, then "and N more").
	Actions, Repos string
	Items          []AlertLine
}

// immediateHold is how long immediate mail waits after the server refused
// one for good (5xx): it will likely refuse again until someone acts.
const immediateHold = 15 * time.Minute

type queued struct {
	key    []byte
	queued time.Time
	e      entry
}

func (s *store) immediateQueue() ([]queued, error) {
	var out []queued
	err := s.db.SinkView(s.name, func(kv exporter.KV) error {
		return kv.ForEach(prefImmed, func(k, v []byte) error {
			at, n := binary.Varint(v)
			if n <= 0 {
				return fmt.Errorf("immediate key %x: %w", k, errCorrupt)
			}
			q := queued{key: append([]byte(nil), k...), queued: time.UnixMilli(at)}
			if err := q.e.decode(v[n:]); err != nil {
				return fmt.Errorf("immediate key %x: %w", k, err)
			}
			out = append(out, q)
			return nil
		})
	})
	return out, err
}

func (s *store) dropImmediate(q []queued) error {
	return s.db.SinkUpdate(s.name, func(kv exporter.KV) error {
		for _, x := range q {
			if err := kv.Delete(x.key); err != nil {
				return err
			}
		}
		return nil
	})
}

// immediateTick is how often the queue is checked: often enough that a
// record is mailed within immediate_delay plus a few seconds.
func (s *Sink) immediateTick() time.Duration {
	return min(max(s.cfg.ImmediateDelay.D()/4, 100*time.Millisecond), 5*time.Second)
}

func (s *Sink) immediateLoop(ctx context.Context) {
	exporter.Every(ctx, s.immediateTick(), s.wake, func() { _ = s.flushImmediate(ctx, false) })
}

// flushImmediate mails every queued immediate record in one mail once the
// oldest has waited immediate_delay (force: at once) and drops them when the
// server accepted it. Records queued meanwhile wait for the next mail.
// Failures are counted, logged and retried by the Attempter; a refusal for
// good holds immediate mail for immediateHold.
func (s *Sink) flushImmediate(ctx context.Context, force bool) error {
	s.immedMu.Lock()
	defer s.immedMu.Unlock()
	now := s.now()
	if hold := s.immedHold.Load(); !force && hold != 0 && now.UnixNano() < hold {
		return nil
	}
	var q []queued
	if err := s.state(ctx, "read immediate mail queue", func() (err error) {
		q, err = s.store.immediateQueue()
		return err
	}); err != nil {
		return err
	}
	if len(q) == 0 {
		return nil
	}
	oldest := q[0].queued
	for _, x := range q {
		if x.queued.Before(oldest) {
			oldest = x.queued
		}
	}
	if !force && now.Before(oldest.Add(s.cfg.ImmediateDelay.D())) {
		return nil
	}
	m := s.immediateOf(q)
	err := s.attempts.Attempt(ctx, "immediate mail", func(ctx context.Context) error {
		r, err := s.tmpl.immediate(m)
		if err != nil {
			return exporter.Permanent(fmt.Errorf("render immediate mail: %w", err))
		}
		return s.mail(ctx, r)
	})
	if err != nil {
		if exporter.Classify(err).Kind == exporter.KindPermanent {
			s.immedHold.Store(now.Add(immediateHold).UnixNano())
		}
		return err
	}
	s.immedHold.Store(0)
	if err := s.state(ctx, "clear immediate mail queue", func() error {
		return s.store.dropImmediate(q)
	}); err != nil {
		// The server has the mail; the next one repeats it.
		return err
	}
	s.log.Info("immediate mail sent", "records", m.Count, "actions", m.Actions)
	return nil
}

func (s *Sink) immediateOf(q []queued) *Immediate {
	m := &Immediate{Sink: s.name, Version: s.version}
	seen := map[string]bool{}
	var actions, repos []string
	for _, x := range q {
		if x.e.ID != "" && seen[x.e.ID] {
			continue
		}
		seen[x.e.ID] = true
		m.Items = append(m.Items, lineOf(&x.e, s.loc))
		if !slices.Contains(actions, x.e.Action) {
			actions = append(actions, x.e.Action)
		}
		if r := cmp.Or(x.e.Repo, x.e.Org); r != "" && !slices.Contains(repos, r) {
			repos = append(repos, r)
		}
	}
	slices.SortStableFunc(m.Items, byTime)
	m.Count = len(m.Items)
	m.Actions = strings.Join(actions, ", ")
	if len(repos) > 3 {
		m.Repos = strings.Join(repos[:3], ", ") + fmt.Sprintf(" and %d more", len(repos)-3)
	} else {
		m.Repos = strings.Join(repos, ", ")
	}
	return m
}
