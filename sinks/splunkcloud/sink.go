package splunkcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/splunk/splunk-cloud-sdk-go/services/ingest"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/batching"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
)

// Sink delivers records to an SCS tenant's ingest service.
type Sink struct {
	log       *slog.Logger
	cfg       Config
	token     string
	scheme    string
	host      string // override host:port; empty: SCS's default
	eventHost string
	version   string
	transport http.RoundTripper
	now       func() time.Time
}

var _ exporter.RawSender = (*Sink)(nil)

// New builds the sink from the resolved config (the token read by
// Config.Resolve). It reads nothing and fails only on a bad host, which
// Validate has refused already; no request is made until the first Send.
func New(r Resolved, deps exporter.SinkDeps) (*Sink, error) {
	log, cfg := deps.Logger, r.Config
	var err error
	s := &Sink{log: log, cfg: cfg, token: r.token, scheme: "https", eventHost: cfg.EventHost,
		version: "ghsec-exporter/" + deps.Version, now: deps.Now,
		transport: http.DefaultTransport.(*http.Transport).Clone()}
	if cfg.Host != "" {
		if s.scheme, s.host, err = splitHost(cfg.Host); err != nil {
			return nil, fmt.Errorf("host: %w", err)
		}
	}
	if s.eventHost == "" {
		s.eventHost, _ = os.Hostname()
	}
	return s, nil
}

// Send posts batch in requests within the configured bounds. It returns nil
// once every request was accepted; exporter.Rejected listing the records
// the service refused while the rest went through; otherwise the classified
// failure of the first request that failed, which keeps the whole batch.
func (s *Sink) Send(ctx context.Context, batch []exporter.Record) error {
	var rej splunk.Rejections
	return s.deliver(ctx, splunk.Encode(batch, &rej), &rej)
}

// SendRaw is Send for records as the outbox stores them: each one's JSON is
// the event's body as is.
func (s *Sink) SendRaw(ctx context.Context, batch []exporter.RawRecord) error {
	var rej splunk.Rejections
	return s.deliver(ctx, batch, &rej)
}

// deliver posts the records of batch that have JSON (the others are in
// rej already).
func (s *Sink) deliver(ctx context.Context, batch []exporter.RawRecord, rej *splunk.Rejections) error {
	events := make([]ingest.Event, len(batch))
	sizes := make([]int, len(batch))
	for i := range batch {
		if batch[i].JSON == nil {
			continue
		}
		ev, size, err := s.event(&batch[i])
		if err != nil {
			rej.Add(err, i)
			continue
		}
		events[i], sizes[i] = ev, size
	}
	post := func(ctx context.Context, idxs []int) splunk.Attempt { return s.post(ctx, idxs, events) }
	// 2: the JSON array's brackets
	if err := splunk.Deliver(ctx, batching.Chunks(sizes, s.cfg.MaxBatchEvents, s.cfg.MaxBatchBytes, 2), post, rej); err != nil {
		return err
	}
	return rej.Err("splunk cloud services", batch)
}

// Close releases idle connections.
func (s *Sink) Close() error {
	if t, ok := s.transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
	return nil
}

// event maps a stored record to an ingest event and returns its encoded
// size.
func (s *Sink) event(r *exporter.RawRecord) (ingest.Event, int, error) {
	h := &r.Head
	t := s.cfg.Alert
	if h.Category == exporter.CategoryAudit {
		t = s.cfg.Audit
	}
	src := t.Source
	if src == "" {
		src = "github:" + string(h.Source)
	}
	ev := ingest.Event{
		Id:         &h.ID,
		Host:       &s.eventHost,
		Source:     &src,
		Sourcetype: &t.Sourcetype,
		Attributes: s.attributes(h),
	}
	at := h.Time
	if at.IsZero() {
		at = h.ObservedAt
	}
	if !at.IsZero() {
		ms := at.UnixMilli()
		ev.Timestamp = &ms
	}
	body, m, err := format.RenderStored(r, s.cfg.Options)
	if err != nil {
		return ingest.Event{}, 0, fmt.Errorf("encode record %s: %w", h.ID, err)
	}
	if m != nil {
		// attributes are not searched like the body's fields: the entry
		// carries our metadata under format.MetaKey, as in a file
		body = format.AppendMeta(body, m)
	}
	// the size without re-reading the body: the event with a null body,
	// less "null", plus the body
	enc, err := json.Marshal(&ev)
	if err != nil {
		return ingest.Event{}, 0, fmt.Errorf("encode record %s: %w", h.ID, err)
	}
	ev.Body = json.RawMessage(body)
	return ev, len(enc) - len("null") + len(body) + 1, nil
}

// attributes are the static fields plus the chosen record fields.
func (s *Sink) attributes(h *exporter.RecordHead) map[string]any {
	f := splunk.Fields(s.cfg.Fields, s.cfg.RecordFields, h)
	if f == nil {
		return nil
	}
	out := make(map[string]any, len(f))
	for k, v := range f {
		out[k] = v
	}
	return out
}
