package kafka

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

// Every record, of every category, arrives once on its category's topic,
// byte for byte, through the real delivery loop.
func TestKafka_Deliverer_RoundTrip(t *testing.T) {
	c := newCluster(t)
	s := newSink(t, testConfig(c))
	recs := mixedRecords(300)
	h := sinktest.New(t, s, recs)
	h.Deliverer.BatchSize = 50
	drain(t, h)
	if st := h.Deliverer.Health(); st.Delivered != len(recs) || st.Failures != 0 {
		t.Fatalf("health %+v", st)
	}
	deliveredOnce(t, c, s, recs, topicAlerts, topicOther)
}

// produced returns a channel that receives (without blocking the
// cluster) once per produce request c handles.
func produced(c *kfake.Cluster) <-chan struct{} {
	ch := make(chan struct{}, 1)
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Count: -1, When: func(kmsg.Request) bool {
		select {
		case ch <- struct{}{}:
		default:
		}
		return false // observe only
	}})
	return ch
}

// Partition leaders move while batches are produced: the client follows
// them inside a Send; nothing is lost or duplicated.
func TestKafka_LeaderChanges(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(3))
	s := newSink(t, testConfig(c))
	recs := mixedRecords(3000)
	h := sinktest.New(t, s, recs)
	h.Deliverer.BatchSize = 100
	seen := produced(c)
	done := make(chan struct{})
	go func() { defer close(done); drain(t, h) }()
	moves := 0
loop:
	for {
		select {
		case <-seen:
			if moves < 20 {
				c.ShufflePartitionLeaders()
				moves++
			}
			if err := c.MoveTopicPartition(topicAlerts, int32(moves%6), int32(moves%3)); err != nil {
				t.Error(err)
			}
		case <-done:
			break loop
		}
	}
	if moves == 0 {
		t.Fatal("no leader moved")
	}
	st := h.Deliverer.Health()
	t.Logf("%d leader shuffles; delivery health %+v", moves, st)
	if st.Delivered != len(recs) || st.DeadLettered != 0 {
		t.Fatalf("health %+v", st)
	}
	deliveredOnce(t, c, s, recs, topicAlerts, topicOther)
}
