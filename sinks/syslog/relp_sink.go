package syslog

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// sendRELP delivers the messages render left in s.out over the RELP session
// and classifies the outcome. nil: the receiver answered 200 to every
// message. A broken session (connect, write, read, serverclose, timeout):
// retryable, the whole batch is sent again, duplicating what the receiver
// already acknowledged. A 5xx answer (librelp sends 500 for session-level
// trouble, never for a message's content): retryable, and the session is
// reopened. A 4xx answer, which RELP leaves to receivers for refusing a
// message itself: that record is rejected (dead-lettered) and the others
// count as delivered. A receiver whose offers do not include the syslog
// command: paused, it needs its operator.
func (s *Sink) sendRELP(ctx context.Context, rejected []int, rejErr error) error {
	dialed, err := s.relp.ensure(ctx)
	if err != nil {
		var oe *relpOfferError
		if errors.As(err, &oe) {
			return exporter.Paused(err)
		}
		return exporter.Retryable(err, 0)
	}
	if dialed {
		s.noteConnected()
	}
	s.splitMessages()
	nacks, err := s.relp.send(ctx, s.dgrams)
	if err != nil {
		return exporter.Retryable(err, 0)
	}
	var retry []relpNack
	refused := 0
	for _, n := range nacks {
		if n.code >= 400 && n.code < 500 {
			rejected = append(rejected, s.msgIdx[n.msg])
			if refused++; refused == 1 {
				err := fmt.Errorf("receiver %s refused message with %d %s", s.relp.sock.address, n.code, n.text)
				rejErr = errors.Join(rejErr, err)
			}
			continue
		}
		retry = append(retry, n)
	}
	if len(retry) > 0 {
		s.relp.drop()
		err := fmt.Errorf("receiver %s answered %d of %d messages with an error, first %d %s",
			s.relp.sock.address, len(retry), len(s.dgrams), retry[0].code, retry[0].text)
		return exporter.Retryable(err, 0)
	}
	if len(rejected) == 0 {
		return nil
	}
	if refused > 1 {
		rejErr = fmt.Errorf("%w (%d refused by the receiver)", rejErr, refused)
	}
	slices.Sort(rejected)
	return exporter.Rejected(rejErr, rejected...)
}
