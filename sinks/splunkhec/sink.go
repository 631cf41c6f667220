package splunkhec

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
)

// Sink delivers records to Splunk HEC. Send may be called from one
// goroutine at a time or several; it keeps no per-batch state.
type Sink struct {
	log       *slog.Logger
	base      string
	token     string
	userAgent string
	client    *http.Client
	enc       *encoder
	maxEvents int
	maxBytes  int
	compress  bool
	timeout   time.Duration
	ack       *acker        // nil when indexer acknowledgement is off
	health    bool          // probe the health endpoint when Run starts
	probeWait time.Duration // bounds the health probe
	now       func() time.Time

	warnNoAck sync.Once
}

var (
	_ exporter.RawPreparer = (*Sink)(nil)
	_ exporter.Runner      = (*Sink)(nil)
)

// New builds the sink from the resolved config (token and TLS read by
// Config.Resolve) and picks the ack channel. It reads no file and makes no
// request (the health probe runs in Run, where shutdown can cancel it). It
// fails only when the ack channel cannot be kept in the state file.
func New(r Resolved, deps exporter.SinkDeps) (*Sink, error) {
	log, cfg := deps.Logger, r.Config
	hc := newHTTPClient(r, log)
	host := cfg.Host
	if host == "" {
		host, _ = os.Hostname()
	}
	s := &Sink{
		log:       log,
		base:      strings.TrimRight(cfg.URL, "/"),
		token:     r.token,
		userAgent: "ghsec-exporter/" + deps.Version,
		client:    hc,
		enc:       newEncoder(cfg, host),
		maxEvents: cfg.MaxBatchEvents,
		maxBytes:  cfg.MaxBatchBytes,
		compress:  cfg.Compress,
		timeout:   cfg.Timeout.D(),
		health:    cfg.HealthCheck,
		probeWait: min(cfg.Timeout.D(), 5*time.Second),
		now:       deps.Now,
	}
	if cfg.Ack.Enabled {
		ch, err := ackChannel(cfg.Ack.Channel, deps)
		if err != nil {
			return nil, err
		}
		s.ack = &acker{channel: ch, interval: cfg.Ack.PollInterval.D(), timeout: cfg.Ack.Timeout.D()}
		log.Info("splunk HEC indexer acknowledgement on", "channel", ch)
	}
	return s, nil
}

// Run probes HEC's health endpoint once when health_check is on, then
// waits for ctx to end; it always returns nil. The probe only logs: Send
// works (and retries) whatever it found, and ctx ending cancels it.
func (s *Sink) Run(ctx context.Context) error {
	if s.health {
		s.healthCheck(ctx)
	}
	<-ctx.Done()
	return nil
}

// Send delivers batch in requests of at most max_batch_events events and
// max_batch_bytes bytes. It returns nil once HEC accepted (with ack:
// acknowledged) every record; exporter.Rejected listing the records HEC
// refused as bad data while the rest went through; and otherwise the
// classified failure of the first request that failed, which keeps the
// whole batch (requests already accepted are sent again on retry: delivery
// is at-least-once, deduplicated downstream by the record id).
func (s *Sink) Send(ctx context.Context, batch []exporter.Record) error {
	var rej splunk.Rejections
	return s.deliver(ctx, splunk.Encode(batch, &rej), &rej)
}

// SendRaw is Send for records as the outbox stores them: each one's JSON
// becomes the envelope's event as is.
func (s *Sink) SendRaw(ctx context.Context, batch []exporter.RawRecord) error {
	return s.PrepareRaw(batch).Send(ctx)
}

// PrepareRaw encodes and compresses batch's requests, ready for Send: the
// delivery loop calls it while the batch before is still being sent, so
// that the CPU work is off the request path.
func (s *Sink) PrepareRaw(batch []exporter.RawRecord) exporter.PreparedSend {
	return s.prepare(batch, &splunk.Rejections{})
}

// deliver sends the records of batch that have JSON (the others are in
// rej already).
func (s *Sink) deliver(ctx context.Context, batch []exporter.RawRecord, rej *splunk.Rejections) error {
	return s.prepare(batch, rej).Send(ctx)
}

// Close releases idle connections.
func (s *Sink) Close() error {
	s.client.CloseIdleConnections()
	return nil
}

// attempt posts a body (or fails with bodyErr, the failure to build it)
// and classifies the reply; ackID is
// HEC's ackId of an accepted request when acknowledgement is on. A pause is
// logged here, where the reply's status is known.
func (s *Sink) attempt(ctx context.Context, body []byte, bodyErr error) (a splunk.Attempt, ackID *int64) {
	v, err := s.post(ctx, body, bodyErr)
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return splunk.Attempt{Outcome: splunk.Retry, Err: fmt.Errorf("post to splunk HEC: %w", err)}, nil
	}
	switch v.outcome {
	case splunk.Accepted:
		if s.ack != nil && v.reply.AckID == nil {
			s.warnNoAck.Do(func() {
				s.log.Warn("ack.enabled is set but splunk HEC returned no ackId; enable indexer acknowledgement on the HEC token. Records count as delivered once accepted")
			})
		}
		if s.ack == nil {
			return splunk.Attempt{}, nil
		}
		return splunk.Attempt{}, v.reply.AckID
	case splunk.Paused:
		return splunk.Attempt{Outcome: v.outcome, Err: pauseErr(v)}, nil
	}
	return splunk.Attempt{Outcome: v.outcome, Err: v.err(), RetryAfter: v.retryAfter}, nil
}

// pause returns exporter.Paused: a refused token or configuration (URL,
// index, ack channel) needs an operator. The error says which and carries
// HEC's reply; the delivery loop logs it.
func (s *Sink) pause(v verdict) error {
	return exporter.Paused(pauseErr(v))
}

func pauseErr(v verdict) error {
	if v.status == http.StatusUnauthorized || v.status == http.StatusForbidden {
		return fmt.Errorf("splunk HEC refused the token; fix it to resume (records are kept): %w", v.err())
	}
	return fmt.Errorf("splunk HEC refused the sink's configuration (URL, index, ack channel); fix it to resume (records are kept): %w", v.err())
}
