package kafka

import (
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

// One of three brokers goes down mid-run (its connections dropped, new
// ones refused, its partitions failed over to the others) and comes back
// (leaders shuffled again): nothing is lost. A connection dropped after the
// broker wrote a batch but before it answered may leave that batch written
// twice: when it was the connection's first request, franz-go takes the
// EOF for a refusal of the request, fails the batch and bumps the producer
// epoch, and the delivery loop's retry is new to the broker. Only records
// of a failed attempt may be duplicated (its two batches in flight, keyed
// by record id), every copy the same message.
func TestKafka_BrokerDownAndBack(t *testing.T) {
	ln := &listeners{}
	c := newCluster(t, kfake.NumBrokers(3), kfake.ListenFn(ln.listen))
	s := newSink(t, testConfig(c))
	recs := mixedRecords(3000)
	h := sinktest.New(t, s, recs)
	h.Deliverer.BatchSize = 100
	const down = int32(1)
	addr := c.ListenAddrs()[down]
	seen := produced(c)
	done := make(chan struct{})
	go func() { defer close(done); drain(t, h) }()
	requests, state := 0, "up"
loop:
	for {
		select {
		case <-seen:
			requests++
			switch {
			case state == "up" && requests >= 3:
				ln.setDown(addr, true)
				for _, topic := range []string{topicAlerts, topicOther} {
					for _, p := range c.PartitionInfos(topic) {
						if p.Leader == down {
							if err := c.MoveTopicPartition(topic, p.Partition, (down+1)%3); err != nil {
								t.Fatal(err)
							}
						}
					}
				}
				state = "down"
			case state == "down" && requests >= 10:
				ln.setDown(addr, false)
				c.ShufflePartitionLeaders()
				state = "back"
			}
		case <-done:
			break loop
		}
	}
	st := h.Deliverer.Health()
	t.Logf("broker %d %s after %d produce requests; delivery health %+v", down, state, requests, st)
	if state == "up" {
		t.Fatal("the broker never went down")
	}
	if st.Delivered != len(recs) || st.DeadLettered != 0 {
		t.Fatalf("health %+v", st)
	}
	n := stored(c, topicAlerts, topicOther)
	dups := compareAtLeastOnce(t, consume(t, s, n, topicAlerts, topicOther), recs)
	t.Logf("%d messages in the log for %d records; duplicated: %v", n, len(recs), dups)
	if len(dups) > st.Failures*2*h.Deliverer.BatchSize {
		t.Fatalf("%d duplicates after %d failed attempts of two batches of %d records", len(dups), st.Failures, h.Deliverer.BatchSize)
	}
}

// listeners wraps kfake's broker listeners so that a test can take a
// broker off the network: its connections dropped, new ones closed on
// accept, until it is back.
type listeners struct {
	mu    sync.Mutex
	down  map[string]bool
	conns map[string][]net.Conn
}

func (l *listeners) listen(network, address string) (net.Listener, error) {
	inner, err := net.Listen(network, address)
	if err != nil {
		return nil, err
	}
	return &listener{Listener: inner, l: l}, nil
}

func (l *listeners) setDown(addr string, down bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down == nil {
		l.down = map[string]bool{}
	}
	l.down[addr] = down
	if down {
		for _, c := range l.conns[addr] {
			c.Close()
		}
		delete(l.conns, addr)
	}
}

type listener struct {
	net.Listener
	l *listeners
}

func (ln *listener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := ln.Addr().String()
		ln.l.mu.Lock()
		if ln.l.down[addr] {
			ln.l.mu.Unlock()
			c.Close()
			continue
		}
		if ln.l.conns == nil {
			ln.l.conns = map[string][]net.Conn{}
		}
		ln.l.conns[addr] = append(ln.l.conns[addr], c)
		ln.l.mu.Unlock()
		return c, nil
	}
}

// failThenRecover sets up a test of a fault that heals: a cluster, a sink
// on it whose Send gives up after a second of produce_timeout (so each
// failed round returns soon), and n mixed records queued in a delivery
// harness.
func failThenRecover(t *testing.T, n int) (*kfake.Cluster, *Sink, []exporter.Record, *sinktest.Harness) {
	c := newCluster(t)
	cfg := testConfig(c)
	cfg.ProduceTimeout = config.Duration(time.Second)
	s := build(t, cfg)
	recs := mixedRecords(n)
	return c, s, recs, sinktest.New(t, s, recs)
}

// The only broker refuses every produce connection: each Send fails
// retryable at produce_timeout and keeps the batch; healed, everything
// arrives once.
func TestKafka_ClusterDown_FailThenRecover(t *testing.T) {
	c, s, recs, h := failThenRecover(t, 200)
	var broken atomic.Bool
	broken.Store(true)
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if broken.Load() {
			return nil, errors.New("down"), true
		}
		return nil, nil, false
	})
	h.FailThenRecover(t, 2, func() { broken.Store(false) })
	deliveredOnce(t, c, s, recs, topicAlerts, topicOther)
}

// One partition refuses writes (NOT_ENOUGH_REPLICAS) while the others take
// theirs: the Send fails retryable and keeps the batch, and when it comes
// again the records already acknowledged are not written twice.
func TestKafka_PartitionDown_NoDuplicates(t *testing.T) {
	c, s, recs, h := failThenRecover(t, 300)
	fh := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: topicAlerts, Partitions: []int32{2}, Err: kerr.NotEnoughReplicas, Count: -1})
	h.FailThenRecover(t, 2, fh.Remove)
	if len(s.acked) != 0 {
		t.Fatalf("%d acknowledged ids kept after success", len(s.acked))
	}
	deliveredOnce(t, c, s, recs, topicAlerts, topicOther)
}

// A record over max_message_bytes is dead-lettered without being sent; the
// rest of its batch is delivered.
func TestKafka_OverMaxMessageBytes_DeadLettered(t *testing.T) {
	c := newCluster(t)
	cfg := testConfig(c)
	cfg.MaxMessageBytes = 4096
	s := newSink(t, cfg)
	recs := mixedRecords(50)
	recs[7].Alert.Title = strings.Repeat("x", 5000)
	h := sinktest.New(t, s, recs)
	drain(t, h)
	if st := h.Deliverer.Health(); st.Delivered != 49 || st.DeadLettered != 1 {
		t.Fatalf("health %+v", st)
	}
	want := append(append([]exporter.Record{}, recs[:7]...), recs[8:]...)
	deliveredOnce(t, c, s, want, topicAlerts, topicOther)
}

// The broker's own limit (the topic's max.message.bytes, below the sink's)
// answers MESSAGE_TOO_LARGE for whole batches: the sink sends each record
// of a refused batch alone, and only the one refused alone is
// dead-lettered.
func TestKafka_BrokerMessageTooLarge_DeadLettersOnlyTheLargeRecord(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(6, topicOther))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.CreateTopic(topicAlerts, 1, map[string]string{"max.message.bytes": "3000"}); err != nil {
		t.Fatal(err)
	}
	s := newSink(t, testConfig(c))
	recs := sinktest.Records(40)
	recs[13].Alert.Title = strings.Repeat("y", 4000)
	h := sinktest.New(t, s, recs)
	drain(t, h)
	st := h.Deliverer.Health()
	t.Logf("health %+v", st)
	if st.Delivered != 39 || st.DeadLettered != 1 {
		t.Fatalf("health %+v", st)
	}
	// the broker's verdict carries the batch's compressed size; the
	// client's own refusal of a record over its batch limit does not
	if !strings.Contains(st.LastError, "MESSAGE_TOO_LARGE") || !strings.Contains(st.LastError, "compressed_bytes") {
		t.Fatalf("last error %q: want the broker's MESSAGE_TOO_LARGE", st.LastError)
	}
	want := append(append([]exporter.Record{}, recs[:13]...), recs[14:]...)
	deliveredOnce(t, c, s, want, topicAlerts)
}

// A topic the principal may not write pauses delivery: the records stay.
func TestKafka_TopicAuthorizationFailed_Paused(t *testing.T) {
	c := newCluster(t)
	s := newSink(t, testConfig(c))
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: topicAlerts, Err: kerr.TopicAuthorizationFailed, Count: -1})
	err := sinktest.Send(t, s, sinktest.Records(5))
	if de := exporter.Classify(err); de.Kind != exporter.KindPaused {
		t.Fatalf("got %v (%s), want paused", err, de.Kind)
	}
}

// A topic that does not exist pauses delivery (the sink never creates one).
func TestKafka_MissingTopic_Paused(t *testing.T) {
	c := newCluster(t)
	cfg := testConfig(c)
	cfg.Topics.Alert = "no.such.topic"
	s := newSink(t, cfg)
	err := sinktest.Send(t, s, sinktest.Records(2))
	if de := exporter.Classify(err); de.Kind != exporter.KindPaused {
		t.Fatalf("got %v (%s), want paused", err, de.Kind)
	}
}
