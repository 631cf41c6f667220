package kafka

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

// bound is a safety net against a hang, never what a test asserts.
const bound = 2 * time.Minute

const (
	topicAlerts = "ghsec.alerts"
	topicOther  = "ghsec.other"
)

// newCluster starts an in-process kfake cluster with the two test topics,
// six partitions each, closed when the test ends.
func newCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	opts = append([]kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(6, topicAlerts, topicOther)}, opts...)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// testConfig is the defaults pointed at c, alerts to topicAlerts and the
// rest to topicOther.
func testConfig(c *kfake.Cluster) Config {
	cfg := DefaultConfig()
	cfg.Brokers = c.ListenAddrs()
	cfg.Topics = Topics{Default: topicOther, Alert: topicAlerts}
	cfg.ProduceTimeout = config.Duration(10 * time.Second)
	return cfg
}

// newSink validates, resolves and builds cfg's sink, closed when the test
// ends.
func newSink(t testing.TB, cfg Config) *Sink {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return build(t, cfg)
}

// build resolves and builds cfg without validating it (tests shorten
// produce_timeout below what Validate accepts).
func build(t testing.TB, cfg Config) *Sink {
	t.Helper()
	r, err := cfg.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(r, sinktest.Deps())
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("KGO_DEBUG") != "" { // go test -v with the client's own log
		s.cl.Close()
		s.cl, _ = kgo.NewClient(append(append(append([]kgo.Opt{}, s.conn...), producerOpts(cfg)...), kgo.WithLogger(kgo.BasicLogger(os.Stderr, kgo.LogLevelDebug, func() string { return time.Now().Format("15:04:05.000 ") })))...)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// consume reads every message of topics from the start with a client of
// s's connection options until it has want of them.
func consume(t testing.TB, s *Sink, want int, topics ...string) []*kgo.Record {
	t.Helper()
	opts := append(append([]kgo.Opt{}, s.conn...), kgo.ConsumeTopics(topics...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	var out []*kgo.Record
	for len(out) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d messages before the bound", len(out), want)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		out = append(out, fs.Records()...)
	}
	return out
}

// stored returns the log's message count over topics: the sum of the
// partitions' high watermarks (the idempotent producer writes no control
// records), which counts duplicates a consumer stopping at want would not
// see.
func stored(c *kfake.Cluster, topics ...string) int {
	n := 0
	for _, t := range topics {
		for _, p := range c.PartitionInfos(t) {
			n += int(p.HighWatermark)
		}
	}
	return n
}

// deliveredOnce checks that the log over topics holds recs, each once:
// consumed record for record (compareRecords) and counted (stored), which
// catches a duplicate a consumer stopping at len(recs) would not see.
func deliveredOnce(t testing.TB, c *kfake.Cluster, s *Sink, recs []exporter.Record, topics ...string) {
	t.Helper()
	compareRecords(t, consume(t, s, len(recs), topics...), recs)
	if n := stored(c, topics...); n != len(recs) {
		t.Fatalf("%d messages in the log, want %d (duplicates)", n, len(recs))
	}
}

// compareRecords checks got against recs record for record: each once,
// value the stored JSON byte for byte, key and id header the record id,
// topic by category.
func compareRecords(t testing.TB, got []*kgo.Record, recs []exporter.Record) {
	t.Helper()
	if dups := compareAtLeastOnce(t, got, recs); len(dups) > 0 {
		t.Fatalf("records consumed twice: %v", dups)
	}
}

// compareAtLeastOnce is compareRecords allowing a record more than once
// (every copy the same message); it returns the ids consumed twice.
func compareAtLeastOnce(t testing.TB, got []*kgo.Record, recs []exporter.Record) (dups []string) {
	t.Helper()
	byID := map[string]*kgo.Record{}
	for _, m := range got {
		h := header(m, HeaderID)
		if first := byID[h]; first != nil {
			if !bytes.Equal(first.Value, m.Value) || !bytes.Equal(first.Key, m.Key) || first.Topic != m.Topic {
				t.Fatalf("record %s consumed twice, the copies differ", h)
			}
			dups = append(dups, h)
			continue
		}
		byID[h] = m
	}
	if len(byID) != len(recs) {
		t.Fatalf("consumed %d distinct records, want %d", len(byID), len(recs))
	}
	for i := range recs {
		rec := &recs[i]
		m := byID[rec.ID]
		if m == nil {
			t.Fatalf("record %s not consumed", rec.ID)
		}
		want, err := recordjson.MarshalRecord(rec)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(m.Value, want) {
			t.Fatalf("record %s value differs:\n got %s\nwant %s", rec.ID, m.Value, want)
		}
		if string(m.Key) != rec.ID {
			t.Fatalf("record %s key %q", rec.ID, m.Key)
		}
		wantTopic := topicOther
		if rec.Category == exporter.CategoryAlert {
			wantTopic = topicAlerts
		}
		if m.Topic != wantTopic || header(m, HeaderCategory) != string(rec.Category) || header(m, HeaderBody) != "record" {
			t.Fatalf("record %s (%s) on %s, headers %v", rec.ID, rec.Category, m.Topic, m.Headers)
		}
	}
	return dups
}

func header(m *kgo.Record, k string) string {
	for _, h := range m.Headers {
		if h.Key == k {
			return string(h.Value)
		}
	}
	return ""
}

// mixedRecords returns n records: alert records with every fifth an audit
// record and every seventh a request record.
func mixedRecords(n int) []exporter.Record {
	recs := sinktest.Records(n)
	for i := range recs {
		r := &recs[i]
		switch {
		case i%5 == 4:
			doc := fmt.Sprintf("doc-%d", i)
			r.ID, r.Category, r.Source, r.Action = exporter.AuditRecordID(doc), exporter.CategoryAudit, exporter.SourceAuditLog, "repo.create"
			r.Alert, r.Audit = nil, &exporter.AuditInfo{Action: "repo.create", DocumentID: doc, Entry: []byte(`{"action":"repo.create","_document_id":"` + doc + `"}`)}
		case i%7 == 6:
			r.ID, r.Category, r.Action = fmt.Sprintf("req-%04d", i), exporter.CategoryRequest, exporter.ActionRequestCreated
			r.Alert = &exporter.AlertInfo{Number: r.Alert.Number}
			r.Request = &exporter.RequestInfo{Kind: exporter.RequestKindDismissal, Target: exporter.RequestTargetDependabot,
				Number: i, Status: exporter.RequestPending, Requester: "bob"}
		}
	}
	return recs
}

// writeSecret writes a secret file for a *_file setting.
func writeSecret(t testing.TB, v string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(v+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// drain runs h's delivery loop until the outbox is empty.
func drain(t testing.TB, h *sinktest.Harness) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	if err := h.Deliverer.Drain(ctx); err != nil {
		t.Fatalf("drain: %v (health %+v)", err, h.Deliverer.Health())
	}
}
