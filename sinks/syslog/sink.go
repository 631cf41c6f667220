package syslog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

var _ exporter.Sink = (*Sink)(nil)

// ErrClosed is returned (retryable) by Send after Close.
var ErrClosed = errors.New("syslog sink is closed")

// Sink ships records to one syslog receiver. Send and Close may be called
// from different goroutines; Sends are serialized.
type Sink struct {
	log  *slog.Logger
	mu   sync.Mutex
	f    *formatter
	conn *conn
	lf   bool        // LF framing instead of octet counting
	relp *relpClient // network: relp; conn then only dials for it

	closed   bool
	msg      []byte
	out      []byte
	dgramEnd []int
	dgrams   [][]byte
	msgIdx   []int // batch index of each rendered message
}

// New builds the sink from the resolved config (TLS files read by
// Config.Resolve). It reads no file and does not connect: the first Send
// does. It fails only on a config Validate refuses.
func New(r Resolved, deps exporter.SinkDeps) (*Sink, error) {
	log, cfg := deps.Logger, r.Config
	host := cfg.Hostname
	if host == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "-"
		}
		host = h
	}
	f, err := newFormatter(cfg, host, strconv.Itoa(os.Getpid()), deps.Version)
	if err != nil {
		return nil, err
	}
	s := &Sink{
		log:  log.With("network", cfg.Network, "address", cfg.Address),
		f:    f,
		conn: newConn(cfg, r.tls),
		lf:   cfg.Framing == FramingLF,
	}
	if cfg.Network == NetworkRELP {
		s.relp = newRELPClient(cfg, s.conn.dial, deps.Version)
	}
	return s, nil
}

// Send renders the batch and writes it in one attempt. nil means every
// message was written (on tcp/tls: to a connection whose peer had not gone
// away before and right after the write). A network failure returns a
// retryable error and keeps the whole batch, so records may be sent twice
// but are not lost. Records that cannot be rendered, or exceed
// max_message_size with oversize: reject, are reported with
// exporter.Rejected while the rest are delivered. On relp, nil means the
// receiver acknowledged every message (see sendRELP).
func (s *Sink) Send(ctx context.Context, batch []exporter.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return exporter.Retryable(ErrClosed, 0)
	}
	rejected, rejErr := s.render(batch)
	if len(rejected) == len(batch) {
		if len(batch) == 0 {
			return nil
		}
		return exporter.Rejected(rejErr, rejected...)
	}
	if s.relp != nil {
		return s.sendRELP(ctx, rejected, rejErr)
	}
	if err := s.deliver(ctx); err != nil {
		return exporter.Retryable(err, 0)
	}
	if len(rejected) > 0 {
		return exporter.Rejected(rejErr, rejected...)
	}
	return nil
}

// render formats and frames every record into s.out and returns the
// indexes of the records it could not render, with the first error.
func (s *Sink) render(batch []exporter.Record) (rejected []int, first error) {
	s.out = s.out[:0]
	s.dgramEnd = s.dgramEnd[:0]
	s.msgIdx = s.msgIdx[:0]
	for i := range batch {
		msg, err := s.f.appendMessage(s.msg[:0], &batch[i])
		s.msg = msg
		if err != nil {
			if first == nil {
				first = err
			}
			rejected = append(rejected, i)
			continue
		}
		s.msgIdx = append(s.msgIdx, i)
		switch {
		case !s.conn.stream() || s.relp != nil: // one message per datagram or command
			s.out = append(s.out, msg...)
			s.dgramEnd = append(s.dgramEnd, len(s.out))
		case s.lf:
			s.out = appendLF(s.out, msg)
		default:
			s.out = appendOctetCounted(s.out, msg)
		}
	}
	if len(rejected) > 1 {
		first = fmt.Errorf("%w (and %d more)", first, len(rejected)-1)
	}
	return rejected, first
}

// deliver connects if needed and writes s.out.
func (s *Sink) deliver(ctx context.Context) error {
	dialed, err := s.conn.ensure(ctx)
	if err != nil {
		return err
	}
	if dialed {
		s.noteConnected()
	}
	s.splitMessages()
	return s.conn.write(ctx, s.out, s.dgrams)
}

// splitMessages points s.dgrams at the messages rendered into s.out.
func (s *Sink) splitMessages() {
	s.dgrams = s.dgrams[:0]
	start := 0
	for _, end := range s.dgramEnd {
		s.dgrams = append(s.dgrams, s.out[start:end])
		start = end
	}
}

// noteConnected logs a new connection at DEBUG: failures and the recovery
// after them are the delivery loop's to log.
func (s *Sink) noteConnected() {
	s.log.Debug("connected to syslog receiver")
}

// Close closes the connection. Later Sends fail with ErrClosed.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.conn.drop()
	if s.relp != nil {
		if err := s.relp.close(); err != nil {
			s.log.Warn("RELP close handshake failed; every batch was acknowledged before", "err", err)
		}
	}
	return nil
}
