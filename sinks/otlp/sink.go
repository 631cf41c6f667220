package otlp

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/batching"
)

// Sink delivers records to an OTLP/HTTP logs endpoint. Send may be called
// from one goroutine at a time or several; it keeps no per-batch state.
type Sink struct {
	log      *slog.Logger
	url      string
	header   http.Header // configured headers, the token, content type, user agent
	client   *http.Client
	enc      *encoder
	opts     format.Options
	maxItems int
	maxBytes int
	compress bool
	timeout  time.Duration
	now      func() time.Time
	warnMu   sync.Mutex
	lastWarn string // the last partial-success warning logged
}

var (
	_ exporter.RawPreparer = (*Sink)(nil)
	_ exporter.Checker     = (*Sink)(nil)
)

// New builds the sink from the resolved config (token and TLS read by
// Config.Resolve). It reads no file, makes no request and never fails.
func New(r Resolved, deps exporter.SinkDeps) (*Sink, error) {
	cfg := r.Config
	h := r.header.Clone()
	h.Set("Content-Type", "application/x-protobuf")
	h.Set("User-Agent", "ghsec-exporter/"+deps.Version)
	if cfg.Compression == CompressionGzip {
		h.Set("Content-Encoding", "gzip")
	}
	return &Sink{
		log:      deps.Logger,
		url:      cfg.url(),
		header:   h,
		client:   newHTTPClient(r, deps.Logger),
		enc:      newEncoder(cfg, deps.Version),
		opts:     cfg.Options,
		maxItems: cfg.MaxBatchRecords,
		maxBytes: cfg.MaxBatchBytes,
		compress: cfg.Compression == CompressionGzip,
		timeout:  cfg.Timeout.D(),
		now:      deps.Now,
	}, nil
}

// Send is SendRaw for decoded records: each is marshalled as the outbox
// would store it.
func (s *Sink) Send(ctx context.Context, batch []exporter.Record) error {
	raw := make([]exporter.RawRecord, len(batch))
	var rej batching.Rejections
	for i := range batch {
		raw[i].Head = batch[i].Head()
		b, err := recordjson.MarshalRecord(&batch[i])
		if err != nil {
			rej.Add(fmt.Errorf("marshal record %s: %w", batch[i].ID, err), i)
			continue
		}
		raw[i].JSON = b
	}
	return s.prepare(raw, &rej).Send(ctx)
}

// SendRaw delivers batch in requests of at most max_batch_records records
// and max_batch_bytes bytes. It returns nil once the endpoint accepted
// every record; exporter.Rejected listing the records it refused (a 400
// or 413 bisected down to the refused records; every record of a request
// that reported a partial success, since OTLP does not say which) while
// the rest went through; and otherwise the classified failure of the first
// request that failed, which keeps the whole batch (requests already
// accepted are sent again on retry: delivery is at-least-once,
// deduplicated downstream by log.record.uid).
func (s *Sink) SendRaw(ctx context.Context, batch []exporter.RawRecord) error {
	return s.PrepareRaw(batch).Send(ctx)
}

// PrepareRaw renders, encodes and compresses batch's requests, ready for
// Send: the delivery loop calls it while the batch before is still being
// sent, so that the CPU work is off the request path.
func (s *Sink) PrepareRaw(batch []exporter.RawRecord) exporter.PreparedSend {
	return s.prepare(batch, &batching.Rejections{})
}

// Close releases idle connections.
func (s *Sink) Close() error {
	s.client.CloseIdleConnections()
	return nil
}

// attempt posts one request body (or fails with bodyErr, the failure to
// build it) and classifies the reply.
func (s *Sink) attempt(ctx context.Context, body []byte, bodyErr error) verdict {
	if bodyErr != nil {
		// our own encoding failed: sending again cannot help
		return verdict{outcome: badData, cause: bodyErr}
	}
	v, err := s.post(ctx, body)
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return verdict{outcome: retry, cause: fmt.Errorf("post to OTLP endpoint: %w", err)}
	}
	if v.outcome == accepted && v.rejected <= 0 && v.msg != "" {
		s.warnOnce(v.msg)
	}
	return v
}

// warnOnce logs a warning an accepting server sent (partial success with
// nothing rejected), each distinct message once in a row.
func (s *Sink) warnOnce(msg string) {
	s.warnMu.Lock()
	defer s.warnMu.Unlock()
	if msg == s.lastWarn {
		return
	}
	s.lastWarn = msg
	s.log.Warn("OTLP endpoint accepted the records with a warning", "warning", msg)
}
