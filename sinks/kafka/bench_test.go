package kafka

import (
	"context"
	"runtime"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinkbench"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// BenchmarkFigureKafka is the Kafka figure: N records (testtools.BenchSize)
// go from real state outboxes through the daemon's delivery loop
// (delivery.Deliverer, batches of 500) and the sink to an in-process kfake
// broker (six partitions, acks=all), and a bare franz-go loop produces the
// same messages (key, value, headers), 500 at a time waiting for every
// acknowledgement, with the sink's producer options, to the same broker:
// the ceiling. The two alternate in segments of 2,500 records (sink first,
// then raw first, …); after each segment the broker's log is truncated, so
// that neither side pays for the other's data. The broker runs in this
// process, so both rates and the peak heap include its work and its copy
// of one segment.
// Metric "ratio" is sink records/s ÷ raw records/s (goal ≥ 0.8); beside it
// both rates, CPU per 10k records of each, and the peak heap while the
// loop delivered. It fails if a record is not delivered.
//
//	GHSEC_BENCH_ALERTS=100000 go test -run '^$' -bench '^BenchmarkFigureKafka$' -benchtime 1x -count 3 ./sinks/kafka/
func BenchmarkFigureKafka(b *testing.B) {
	n := testtools.BenchSize(2000)
	c := newCluster(b)
	cfg := testConfig(c)
	s := newSink(b, cfg)
	raw, err := kgo.NewClient(append(append([]kgo.Opt{}, s.conn...), producerOpts(cfg)...)...)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	fig := &sinkbench.Figure{
		Name: "kafka", Sink: s, Store: state.Options{NoSync: true},
		// the broker's log is truncated before each side, so that neither pays for the other's data
		Settle: func(int) {
			for _, t := range []string{topicAlerts, topicOther} {
				for _, p := range c.PartitionInfos(t) {
					if err := c.DeleteRecords(t, p.Partition, p.HighWatermark); err != nil {
						b.Fatal(err)
					}
				}
			}
			runtime.GC()
		},
	}
	fig.Run(b, n, func(from, m int) func() {
		msgs := rawMessages(b, s, from, m)
		return func() {
			for start := 0; start < len(msgs); start += sinkbench.Batch {
				if err := raw.ProduceSync(context.Background(), msgs[start:min(start+sinkbench.Batch, len(msgs))]...).FirstErr(); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	fig.Report(b, n, "records", true)
}

// rawMessages builds the messages the sink produces for the same records,
// from the same stored JSON.
func rawMessages(b *testing.B, s *Sink, from, n int) []*kgo.Record {
	out := make([]*kgo.Record, 0, n)
	ms := newMessages(n)
	for i := from; i < from+n; i++ {
		rec := sinkbench.Record(i)
		js, err := recordjson.MarshalRecord(&rec)
		if err != nil {
			b.Fatal(err)
		}
		h := rec.Head()
		out = append(out, ms.add(s, &h, js, nil))
	}
	return out
}
