package kafka

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
)

// maxAcked bounds the ids kept of records acknowledged by Sends that failed
// as a whole; past it the set is dropped (a redelivery is then a
// duplicate, never a loss).
const maxAcked = 100_000

// Sink produces records to Kafka. Send and SendRaw run one at a time; a
// batch started by the delivery loop (exporter.PipelinedSend) may be in
// flight beside one of them.
type Sink struct {
	log      *slog.Logger
	cl       *kgo.Client
	conn     []kgo.Opt // a check's own client
	brokers  []string
	topics   Topics
	byAlert  bool
	format   format.Options
	maxBytes int
	timeout  time.Duration
	tls      *tls.Config // nil without tls: true
	sasl     string

	conns *connErrs

	mu sync.Mutex // guards acked
	// acked holds the ids of records the cluster acknowledged in a Send
	// that failed as a whole: the delivery loop sends that batch again,
	// and they are skipped rather than written twice.
	acked map[string]struct{}
}

var (
	_ exporter.RawPreparer   = (*Sink)(nil)
	_ exporter.PipelinedSend = pipelined{}
	_ exporter.Checker       = (*Sink)(nil)
)

// New builds the sink's client from the resolved config. It connects to
// nothing (the first Send does) and fails only when the client options
// are inconsistent, which Validate rules out.
func New(r Resolved, deps exporter.SinkDeps) (*Sink, error) {
	c := r.Config
	conn := connOpts(r)
	conns := &connErrs{}
	cl, err := kgo.NewClient(append(append([]kgo.Opt{kgo.WithHooks(conns)}, conn...), producerOpts(c)...)...)
	if err != nil {
		return nil, fmt.Errorf("build kafka client: %w", err)
	}
	if c.InsecureSkipVerify {
		deps.Logger.Warn("kafka: insecure_skip_verify is set: the brokers' certificates are not verified")
	}
	return &Sink{
		log: deps.Logger, cl: cl, conn: conn, brokers: c.Brokers, topics: c.Topics, byAlert: c.Key == KeyAlert,
		format: c.Options, maxBytes: c.MaxMessageBytes, timeout: c.ProduceTimeout.D(),
		tls: r.tls, sasl: c.SASL.Mechanism, conns: conns, acked: map[string]struct{}{},
	}, nil
}

// Send produces one message per record and waits for every
// acknowledgement (acks=all), within produce_timeout. It returns nil when
// the cluster acknowledged every record; exporter.Rejected listing the
// records refused for their content (larger than max_message_bytes, or
// refused by the broker when sent alone) when the rest went through;
// exporter.Paused when the cluster refused the credentials, the ACLs or a
// topic; and otherwise a retryable error that keeps the whole batch (the
// records already acknowledged are skipped when it comes again).
func (s *Sink) Send(ctx context.Context, batch []exporter.Record) error {
	return s.prepare(len(batch), func(i int) (exporter.RecordHead, []byte, *format.Meta, error) {
		body, m, err := format.RenderBody(&batch[i], nil, s.format)
		return batch[i].Head(), body, m, err
	}).Send(ctx)
}

// SendRaw is Send for records as the outbox stores them: the stored JSON is
// the message value unless schema or audit_body change it.
func (s *Sink) SendRaw(ctx context.Context, batch []exporter.RawRecord) error {
	return s.PrepareRaw(batch).Send(ctx)
}

// PrepareRaw renders batch's messages, ready for Send: the delivery loop
// calls it while the batch before is being produced. The messages refer to
// batch's JSON, which the loop keeps until the prepared Send returns; every
// promise has been called by then, so the client keeps none of it.
func (s *Sink) PrepareRaw(batch []exporter.RawRecord) exporter.PreparedSend {
	return s.prepare(len(batch), func(i int) (exporter.RecordHead, []byte, *format.Meta, error) {
		body, m, err := format.RenderStored(&batch[i], s.format)
		return batch[i].Head, body, m, err
	})
}

// prepare builds the messages of records 0 to n-1 from render's head and
// body of each; a record that does not render keeps its error instead.
// Keyed by record id, the batch is an exporter.PipelinedSend: the
// delivery loop may start it while the batch before is still waiting for
// its acknowledgements. Keyed by alert it is not, so that an alert's
// records never overtake one another: a batch whose record the cluster
// refused is resent record by record, and a later batch already sent
// would be ahead of those.
func (s *Sink) prepare(n int, render func(i int) (exporter.RecordHead, []byte, *format.Meta, error)) exporter.PreparedSend {
	msgs := make([]*kgo.Record, n)
	errs := make([]error, n)
	ms := newMessages(n)
	for i := range n {
		h, body, m, err := render(i)
		if err != nil {
			errs[i] = err
			continue
		}
		msgs[i] = ms.add(s, &h, body, m)
	}
	p := prepared{s: s, msgs: msgs, errs: errs}
	if s.byAlert {
		return p
	}
	return pipelined{p}
}

// prepared is a batch prepare made ready.
type prepared struct {
	s    *Sink
	msgs []*kgo.Record
	errs []error
}

// Send has SendRaw's contract for the prepared batch.
func (p prepared) Send(ctx context.Context) error { return p.s.start(ctx, p.msgs, p.errs)() }

// pipelined is a prepared batch the delivery loop may start while the
// batch before it is in flight.
type pipelined struct{ prepared }

// Start produces the batch and returns the wait for its outcome, which has
// Send's contract.
func (p pipelined) Start(ctx context.Context) func() error { return p.s.start(ctx, p.msgs, p.errs) }

// start produces msgs (nil where errs holds the record's own failure to
// render) and returns the wait for their acknowledgements, which
// classifies the outcome. produce_timeout counts from start.
func (s *Sink) start(ctx context.Context, msgs []*kgo.Record, errs []error) (wait func() error) {
	begun := time.Now()
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	var skipped []string
	s.mu.Lock()
	for i, m := range msgs {
		if m == nil {
			continue
		}
		if n := size(m); n > s.maxBytes {
			errs[i], msgs[i] = fmt.Errorf("record %s: message of %d bytes is over max_message_bytes %d", id(m), n, s.maxBytes), nil
		} else if len(s.acked) > 0 {
			if _, ok := s.acked[id(m)]; ok {
				// acknowledged by a Send that failed as a whole
				skipped, msgs[i] = append(skipped, id(m)), nil
			}
		}
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for i, m := range msgs {
		if m == nil {
			continue
		}
		wg.Add(1)
		s.cl.Produce(ctx, m, func(_ *kgo.Record, err error) {
			errs[i] = err
			wg.Done()
		})
	}
	return func() error {
		defer cancel()
		wg.Wait()
		// a broker refuses a batch, not a record: send each record of a
		// refused batch alone, so that only what is refused alone is
		// dead-lettered
		for i, m := range msgs {
			if m != nil && errs[i] != nil && classify(errs[i]) == refused {
				errs[i] = s.cl.ProduceSync(ctx, m).FirstErr()
				if errs[i] != nil && classify(errs[i]) == refused {
					errs[i] = fmt.Errorf("record %s refused by kafka: %w", id(m), errs[i])
					msgs[i] = nil
				}
			}
		}
		return s.verdict(ctx, msgs, errs, skipped, s.conns.since(begun))
	}
}

// verdict classifies a delivery: msgs[i] nil with errs[i] set is a record
// refused for good; a non-nil msgs[i] with errs[i] set failed otherwise.
// skipped are the ids of records an earlier failed Send got acknowledged,
// not produced again; connErr is the client's latest failure to connect
// during the Send.
func (s *Sink) verdict(ctx context.Context, msgs []*kgo.Record, errs []error, skipped []string, connErr error) error {
	var rejected []int
	var rejErr, failErr error
	paused := false
	for i, err := range errs {
		switch {
		case err == nil:
		case msgs[i] == nil:
			rejected = append(rejected, i)
			rejErr = cmp.Or(rejErr, err)
		default:
			if classify(err) == pause {
				paused = true
			}
			failErr = cmp.Or(failErr, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if failErr != nil {
		// the batch comes again: remember what the cluster acknowledged
		for i, err := range errs {
			if err == nil && msgs[i] != nil {
				s.acked[id(msgs[i])] = struct{}{}
			}
		}
		if len(s.acked) > maxAcked {
			clear(s.acked)
		}
		failErr = fmt.Errorf("produce to kafka %v: %w", s.brokers, failErr)
		if ctx.Err() != nil && !paused {
			failErr = fmt.Errorf("%w (produce_timeout %s)", failErr, s.timeout)
		}
		if connErr != nil {
			failErr = fmt.Errorf("%w; last connection error: %w", failErr, connErr)
			paused = paused || classify(connErr) == pause
		}
		if paused {
			return exporter.Paused(fmt.Errorf("kafka refused the sink's credentials or a topic; fix it to resume (records are kept): %w", failErr))
		}
		return exporter.Retryable(failErr, 0)
	}
	// the batch leaves the outbox: its records will not come again (those
	// of a failed batch still in flight stay remembered)
	for _, id := range skipped {
		delete(s.acked, id)
	}
	if len(rejected) > 0 {
		return exporter.Rejected(rejErr, rejected...)
	}
	return nil
}

// id returns a message's record id header.
func id(m *kgo.Record) string {
	return string(m.Headers[0].Value)
}

// Close flushes nothing (every Send waited for its records) and closes the
// client's connections.
func (s *Sink) Close() error {
	s.cl.Close()
	return nil
}
