package splunkhec

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
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
	_ exporter.Sink   = (*Sink)(nil)
	_ exporter.Runner = (*Sink)(nil)
)

// New builds the sink: it resolves the token, loads TLS files and picks the
// ack channel. It makes no request (the health probe runs in Run, where
// shutdown can cancel it). It fails on an unreadable secret or certificate
// file.
func New(cfg Config, deps exporter.SinkDeps) (*Sink, error) {
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	token, err := config.ResolveSecret("token", cfg.TokenFile, cfg.TokenEnv, true)
	if err != nil {
		return nil, fmt.Errorf("resolve HEC token: %w", err)
	}
	hc, err := newHTTPClient(cfg, log)
	if err != nil {
		return nil, err
	}
	host := cfg.Host
	if host == "" {
		host, _ = os.Hostname()
	}
	s := &Sink{
		log:       log,
		base:      strings.TrimRight(cfg.URL, "/"),
		token:     token,
		userAgent: "ghsec-exporter/" + orDefault(deps.Version, "dev"),
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
	if s.now == nil {
		s.now = time.Now
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
	envs := make([][]byte, len(batch))
	var bad []int
	var badErr error
	for i := range batch {
		b, err := s.enc.encode(&batch[i])
		if err != nil {
			bad = append(bad, i)
			badErr = err
			continue
		}
		envs[i] = b
	}
	var acks []int64
	for _, chunk := range s.chunks(envs) {
		res, err := s.deliver(ctx, chunk, envs)
		if err != nil {
			return err
		}
		acks = append(acks, res.acks...)
		bad = append(bad, res.bad...)
		if res.badErr != nil {
			badErr = res.badErr
		}
	}
	if s.ack != nil && len(acks) > 0 {
		if err := s.waitAcks(ctx, acks); err != nil {
			return err
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Ints(bad)
	ids := make([]string, 0, min(len(bad), 10))
	for _, i := range bad[:min(len(bad), 10)] {
		ids = append(ids, batch[i].ID)
	}
	s.log.Warn("splunk HEC refused records as bad data; they go to the dead-letter bucket",
		"rejected", len(bad), "batch", len(batch), "ids", ids, "err", badErr)
	return exporter.Rejected(fmt.Errorf("splunk HEC refused %d of %d records: %w", len(bad), len(batch), badErr), bad...)
}

// Close releases idle connections.
func (s *Sink) Close() error {
	s.client.CloseIdleConnections()
	return nil
}

// chunks groups the indexes of encoded envelopes into requests bounded by
// event count and bytes. An envelope larger than the byte bound goes alone.
func (s *Sink) chunks(envs [][]byte) [][]int {
	var out [][]int
	var cur []int
	size := 0
	for i, e := range envs {
		if e == nil {
			continue
		}
		if len(cur) > 0 && (len(cur) >= s.maxEvents || size+len(e) > s.maxBytes) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, i)
		size += len(e)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// result is what one request (or its bisected halves) achieved.
type result struct {
	acks   []int64
	bad    []int
	badErr error
}

// deliver posts the envelopes at idxs. On a bad-data reply it bisects the
// request until the offending records are isolated; any other failure
// aborts with the classified error.
func (s *Sink) deliver(ctx context.Context, idxs []int, envs [][]byte) (result, error) {
	v, err := s.post(ctx, idxs, envs)
	if err != nil {
		if ctx.Err() != nil {
			return result{}, fmt.Errorf("post to splunk HEC: %w", ctx.Err())
		}
		return result{}, exporter.Retryable(fmt.Errorf("post to splunk HEC: %w", err), 0)
	}
	switch v.outcome {
	case accepted:
		var r result
		if s.ack != nil {
			if v.reply.AckID != nil {
				r.acks = []int64{*v.reply.AckID}
			} else {
				s.warnNoAck.Do(func() {
					s.log.Warn("ack.enabled is set but splunk HEC returned no ackId; enable indexer acknowledgement on the HEC token. Records count as delivered once accepted")
				})
			}
		}
		return r, nil
	case badData:
		if len(idxs) == 1 {
			return result{bad: idxs, badErr: v.err()}, nil
		}
		mid := len(idxs) / 2
		left, err := s.deliver(ctx, idxs[:mid], envs)
		if err != nil {
			return result{}, err
		}
		right, err := s.deliver(ctx, idxs[mid:], envs)
		if err != nil {
			return result{}, err
		}
		return result{
			acks:   append(left.acks, right.acks...),
			bad:    append(left.bad, right.bad...),
			badErr: firstNonNil(left.badErr, right.badErr),
		}, nil
	case paused:
		return result{}, s.pause(v)
	}
	return result{}, exporter.Retryable(v.err(), v.retryAfter)
}

// pause logs why delivery needs an operator and returns exporter.Paused.
func (s *Sink) pause(v verdict) error {
	err := v.err()
	if v.status == http.StatusUnauthorized || v.status == http.StatusForbidden {
		s.log.Error("splunk HEC refused the token; delivery is paused and every record is kept until the token is fixed", "err", err)
	} else {
		s.log.Error("splunk HEC refused the sink's configuration (URL, index, ack channel); delivery is paused and every record is kept", "err", err)
	}
	return exporter.Paused(err)
}

func firstNonNil(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
