package elasticsearch

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/elastic/elastic-transport-go/v8/elastictransport"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/batching"
)

// Sink delivers records to an Elasticsearch or OpenSearch cluster. Send
// may be called from several goroutines; it keeps no per-batch state.
type Sink struct {
	log       *slog.Logger
	tp        *elastictransport.Client
	hc        *http.Transport
	enc       *encoder
	urls      []string
	checkProd bool // compatibility elasticsearch: check X-Elastic-Product
	pipeline  string
	maxDocs   int
	maxBytes  int
	compress  bool
	timeout   time.Duration
	now       func() time.Time
}

var (
	_ exporter.RawPreparer = (*Sink)(nil)
	_ exporter.Checker     = (*Sink)(nil)
)

// New builds the sink from the resolved config (credential and TLS read
// by Config.Resolve). It makes no request: the cluster need not be up. It
// fails only if the transport cannot be built from the validated URLs.
func New(r Resolved, deps exporter.SinkDeps) (*Sink, error) {
	tp, hc, err := newTransport(r, deps.Version, deps.Logger)
	if err != nil {
		return nil, err
	}
	c := r.Config
	return &Sink{
		log:       deps.Logger,
		tp:        tp,
		hc:        hc,
		enc:       newEncoder(c),
		urls:      c.URLs,
		checkProd: c.Compatibility == Elasticsearch,
		pipeline:  c.Pipeline,
		maxDocs:   c.MaxBatchEvents,
		maxBytes:  c.MaxBatchBytes,
		compress:  c.Compress,
		timeout:   c.Timeout.D(),
		now:       deps.Now,
	}, nil
}

// Send delivers batch in _bulk requests of at most max_batch_events
// documents and max_batch_bytes bytes, each record created with its id as
// _id. It returns nil once every document is in the cluster (written now,
// or already there: 409); exporter.Rejected listing the records the
// cluster refused as bad documents (a mapping conflict) or the sink could
// not render, when all the others are in; exporter.Paused when a refusal
// needs an operator (credential, privileges, a missing or closed index, a
// URL that is not a _bulk endpoint); and otherwise exporter.Retryable,
// with the cluster's Retry-After for a whole request refused with 429 or
// 503. A retry sends the whole batch again; see the package doc for why
// that is safe.
func (s *Sink) Send(ctx context.Context, batch []exporter.Record) error {
	return s.prepare(len(batch), func(buf []byte, i int) ([]byte, error) {
		return s.enc.appendRecord(buf, &batch[i])
	}).Send(ctx)
}

// SendRaw is Send for records as the outbox stores them: with the default
// schema, each one's JSON becomes its document with @timestamp added.
func (s *Sink) SendRaw(ctx context.Context, batch []exporter.RawRecord) error {
	return s.PrepareRaw(batch).Send(ctx)
}

// PrepareRaw encodes and compresses batch's requests, ready for Send: the
// delivery loop calls it while the batch before is still being sent.
func (s *Sink) PrepareRaw(batch []exporter.RawRecord) exporter.PreparedSend {
	n := 0
	for i := range batch {
		n += len(batch[i].JSON) + 128
	}
	return s.prepareSized(len(batch), n, func(buf []byte, i int) ([]byte, error) {
		if batch[i].JSON == nil {
			return buf, fmt.Errorf("record %s: no stored JSON", batch[i].Head.ID)
		}
		return s.enc.appendRaw(buf, &batch[i])
	})
}

// Close releases idle connections.
func (s *Sink) Close() error {
	s.hc.CloseIdleConnections()
	return nil
}

// prepared is a batch encoded into NDJSON documents and cut into requests
// whose bodies are built already.
type prepared struct {
	s      *Sink
	n      int // records in the batch
	docs   docSet
	chunks [][]int
	bodies *batching.Bodies // each chunk's body, built ahead
	t      tally
}

func (s *Sink) prepare(n int, appendDoc func([]byte, int) ([]byte, error)) *prepared {
	return s.prepareSized(n, n*1024, appendDoc)
}

// prepareSized encodes n records into one buffer of about size bytes (one
// allocation per batch, not per record); a record that fails to encode is
// refused at once.
func (s *Sink) prepareSized(n, size int, appendDoc func([]byte, int) ([]byte, error)) *prepared {
	p := &prepared{s: s, n: n}
	d := &p.docs
	d.buf, d.start, d.end = make([]byte, 0, size), make([]int, n), make([]int, n)
	for i := range n {
		d.start[i] = len(d.buf)
		var err error
		if d.buf, err = appendDoc(d.buf, i); err != nil {
			p.t.add(refused, i, err.Error())
		}
		d.end[i] = len(d.buf)
	}
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = d.size(i)
	}
	p.chunks = batching.Chunks(sizes, s.maxDocs, s.maxBytes, 0)
	p.bodies = batching.NewBodies(p.chunks, func(idxs []int) ([]byte, error) { return body(idxs, &p.docs, s.compress) })
	return p
}

// Send delivers the prepared requests: see Sink.Send. A request refused
// as a whole (429, 503, 401, a transport failure) ends it at once: the
// batch is kept, and what the requests before wrote answers 409 next time.
func (p *prepared) Send(ctx context.Context) error {
	for _, c := range p.chunks {
		b, err := p.bodies.Take(c)
		if err != nil {
			return exporter.Retryable(err, 0)
		}
		if err := p.s.bulk(ctx, c, b, &p.docs, &p.t); err != nil {
			return err
		}
	}
	return p.result()
}

// result turns the tally of every document into Send's error.
func (p *prepared) result() error {
	t := &p.t
	switch t.worst() {
	case paused:
		return exporter.Paused(fmt.Errorf("elasticsearch refused to write %s; fix it to resume (records are kept)", t.describe(paused, p.n)))
	case retry:
		// The Deliverer retries the whole batch, not the documents that
		// got 429: that is safe because every document is a create with
		// the record's id as _id, so the ones written this time answer
		// 409 next time, which counts as delivered, and nothing is
		// written twice. The refused ones are refused again then, and
		// dead-lettered once no document needs a retry. Item 429s have
		// no Retry-After: the loop's backoff.
		return exporter.Retryable(fmt.Errorf("elasticsearch asked to retry %s (the batch is sent again; documents already written answer 409)", t.describe(retry, p.n)), 0)
	case refused:
		return exporter.Rejected(fmt.Errorf("elasticsearch refused %s", t.describe(refused, p.n)), t.refused...)
	}
	return nil
}
