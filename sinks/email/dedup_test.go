package email

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/delivery"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// Redelivered records: Send drops a record whose id an open period already
// holds, so no digest counts one twice, and no id set lives in memory.

// cutDigest cuts the sink's period at base and builds its digest.
func cutDigest(t *testing.T, s *Sink, clk *clock) (*Digest, span) {
	t.Helper()
	clk.Set(base)
	sp, err := s.store.cut(clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.buildDigest(sp)
	if err != nil {
		t.Fatal(err)
	}
	return d, sp
}

// renderedOf renders d's text part, the whole digest as a reader sees it.
func renderedOf(t *testing.T, s *Sink, d *Digest) string {
	t.Helper()
	r, err := s.tmpl.digest(d)
	if err != nil {
		t.Fatal(err)
	}
	return r.Subject + "\n" + r.Text
}

// onceDigest is the digest of recs each sent exactly once, in batches of 100.
func onceDigest(t *testing.T, recs []exporter.Record) string {
	t.Helper()
	clk := &clock{t: base.Add(-24 * time.Hour)}
	s := newSink(t, offlineConfig(), openState(t, ""), clk.Now)
	sendAll(t, s, recs, 100)
	d, _ := cutDigest(t, s, clk)
	return renderedOf(t, s, d)
}

func sendAll(t *testing.T, s *Sink, recs []exporter.Record, size int) {
	t.Helper()
	for i := 0; i < len(recs); i += size {
		if err := s.Send(context.Background(), recs[i:min(i+size, len(recs))]); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDedup_RedeliveredBatchesCountOnce(t *testing.T) {
	recs := synthetic(2000)
	want := onceDigest(t, recs)

	clk := &clock{t: base.Add(-24 * time.Hour)}
	s := newSink(t, offlineConfig(), openState(t, ""), clk.Now)
	ctx := context.Background()
	for i := 0; i < len(recs); i += 100 {
		batch := recs[i : i+100]
		if i == 500 {
			// the same record twice in one batch
			batch = append(append([]exporter.Record(nil), batch...), batch[10:20]...)
		}
		if err := s.Send(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if i == 1200 {
			// batches redelivered out of order, one split differently
			sendAll(t, s, recs[300:500], 37)
			sendAll(t, s, recs[0:100], 100)
		}
	}
	sendAll(t, s, recs[1900:], 100) // the last batch twice
	d, _ := cutDigest(t, s, clk)
	if d.New != len(recs) {
		t.Errorf("New = %d, want %d", d.New, len(recs))
	}
	if got := renderedOf(t, s, d); got != want {
		t.Errorf("digest with redeliveries differs from the digest of each record once:\n--- got ---\n%s\n--- want ---\n%s", got, want)
	}
	if n := countEntries(t, s); n != len(recs) {
		t.Errorf("%d entries stored, want %d", n, len(recs))
	}
}

func TestDedup_AcrossRestart(t *testing.T) {
	recs := synthetic(600)
	want := onceDigest(t, recs)

	path := filepath.Join(t.TempDir(), "state.db")
	clk := &clock{t: base.Add(-24 * time.Hour)}
	db1 := openState(t, path)
	sendAll(t, newSink(t, offlineConfig(), db1, clk.Now), recs[:400], 100)
	if err := db1.Close(); err != nil {
		t.Fatal(err)
	}
	// After the restart the delivery loop sends everything it had not acked.
	s := newSink(t, offlineConfig(), openState(t, path), clk.Now)
	sendAll(t, s, recs[200:], 100)
	d, _ := cutDigest(t, s, clk)
	if got := renderedOf(t, s, d); got != want {
		t.Errorf("digest after a restart with redeliveries:\n--- got ---\n%s\n--- want ---\n%s", got, want)
	}
}

// crashingSink stores a batch through the email sink and then "dies"
// before the delivery loop acks it: its context is cancelled.
type crashingSink struct {
	*Sink
	after  int // Sends that succeed before the crash
	n      atomic.Int32
	cancel context.CancelFunc
}

var errCrashed = errors.New("process died after the sink stored the batch")

func (c *crashingSink) Send(ctx context.Context, batch []exporter.Record) error {
	if err := c.Sink.Send(ctx, batch); err != nil {
		return err
	}
	if int(c.n.Add(1)) == c.after {
		c.cancel()
		return errCrashed
	}
	return nil
}

// TestDedup_CrashBetweenSendAndAck runs the real delivery loop over a real
// outbox: the process dies after the sink stored a batch and before the
// loop acked it, the next start redelivers that batch, and the digest still
// counts every record once.
func TestDedup_CrashBetweenSendAndAck(t *testing.T) {
	recs := synthetic(1000)
	want := onceDigest(t, recs)

	path := filepath.Join(t.TempDir(), "state.db")
	db1 := openState(t, path)
	if err := db1.Update(func(tx *state.Tx) error { return tx.Append("security-team", recs...) }); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: base.Add(-24 * time.Hour)}
	ctx, cancel := context.WithCancel(context.Background())
	crash := &crashingSink{Sink: newSink(t, offlineConfig(), db1, clk.Now), after: 3, cancel: cancel}
	err := deliverer(t, db1, crash, 100).Drain(ctx)
	if err == nil {
		t.Fatal("delivery went on after the crash")
	}
	if err := db1.Close(); err != nil {
		t.Fatal(err)
	}

	db2 := openState(t, path)
	s := newSink(t, offlineConfig(), db2, clk.Now)
	if err := deliverer(t, db2, s, 100).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	d, _ := cutDigest(t, s, clk)
	if got := renderedOf(t, s, d); got != want {
		t.Errorf("digest after a crash between Send and ack:\n--- got ---\n%s\n--- want ---\n%s", got, want)
	}
}

func deliverer(t *testing.T, db *state.DB, s exporter.Sink, batch int) *delivery.Deliverer {
	return &delivery.Deliverer{DB: db, Name: "security-team", Sink: s, BatchSize: batch, Retry: &delivery.Retrier{
		Name: "security-team", Log: testLogger(t), Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
		Jitter: func(d time.Duration) time.Duration { return d },
	}}
}

// TestDedup_PendingAndClosedPeriods: a redelivery while a cut digest is
// being mailed belongs to that digest and is dropped; one after the digest
// was accepted is new to the next digest (at-least-once), and closing a
// period leaves none of its entries or ids behind.
func TestDedup_PendingAndClosedPeriods(t *testing.T) {
	clk := &clock{t: base.Add(-24 * time.Hour)}
	db := openState(t, "")
	s := newSink(t, offlineConfig(), db, clk.Now)
	s.store.chunk = 3 // prune in several transactions
	first := []exporter.Record{created("acme/a", 1), created("acme/a", 2), created("acme/a", 3), created("acme/a", 4), created("acme/a", 5)}
	sendAll(t, s, first, 5)
	d, sp := cutDigest(t, s, clk)
	if d.New != 5 {
		t.Fatalf("New = %d, want 5", d.New)
	}
	// While the cut digest is being mailed: a redelivery and a new record.
	sendAll(t, s, append(first[:2:2], created("acme/b", 6)), 3)
	if err := s.store.closeSpan(sp, true); err != nil {
		t.Fatal(err)
	}
	if err := s.store.prune(); err != nil {
		t.Fatal(err)
	}
	if n, ids := countKeys(t, s); n != 1 || ids != 1 {
		t.Errorf("after closing the first period: %d entries, %d ids; want only the new record's", n, ids)
	}
	// After the digest was accepted: a redelivery is a record of the next period.
	sendAll(t, s, first[4:], 1)
	d, _ = cutDigest(t, s, clk)
	text := renderedOf(t, s, d)
	if d.New != 2 || !strings.Contains(text, "acme/b#6") || !strings.Contains(text, "acme/a#5") || strings.Contains(text, "acme/a#1 ") {
		t.Errorf("second digest counts %d, want acme/b#6 and the late redelivery acme/a#5:\n%s", d.New, text)
	}
}

// countKeys counts the digest entries and indexed ids in the sink's bucket,
// garbage of closed periods included.
func countKeys(t *testing.T, s *Sink) (entries, ids int) {
	t.Helper()
	if err := s.db.SinkView(s.name, func(kv exporter.KV) error {
		if err := kv.ForEach(prefDigest, func(_, _ []byte) error { entries++; return nil }); err != nil {
			return err
		}
		return kv.ForEach(prefSeen, func(_, _ []byte) error { ids++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return entries, ids
}

// TestDedup_CrashBeforePrune: the process dies after the span closed and
// before its entries were deleted. No digest reads them, a redelivery of
// them is new to the next digest, and the next start deletes them.
func TestDedup_CrashBeforePrune(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	clk := &clock{t: base.Add(-24 * time.Hour)}
	db1 := openState(t, path)
	s1 := newSink(t, offlineConfig(), db1, clk.Now)
	recs := synthetic(300)
	sendAll(t, s1, recs, 100)
	_, sp := cutDigest(t, s1, clk)
	if err := s1.store.closeSpan(sp, true); err != nil {
		t.Fatal(err)
	}
	if err := db1.Close(); err != nil {
		t.Fatal(err)
	}

	s := newSink(t, offlineConfig(), openState(t, path), clk.Now)
	sendAll(t, s, recs[:50], 50)
	d, _ := cutDigest(t, s, clk)
	if d.New != 50 {
		t.Errorf("New = %d, want the 50 records redelivered after the close", d.New)
	}
	if err := s.store.prune(); err != nil {
		t.Fatal(err)
	}
	if n, ids := countKeys(t, s); n != 50 || ids != 50 {
		t.Errorf("after prune: %d entries, %d ids; want the open period's 50", n, ids)
	}
}

// TestStore_MigratesLegacyEntries: entries of the layout before the id
// index (d<period><seq>, duplicates stored twice) move to the new layout at
// start, their ids indexed, the stored duplicate dropped.
func TestStore_MigratesLegacyEntries(t *testing.T) {
	recs := synthetic(250)
	want := onceDigest(t, recs)

	path := filepath.Join(t.TempDir(), "state.db")
	db1 := openState(t, path)
	if err := db1.SinkUpdate("security-team", func(kv exporter.KV) error {
		legacy := append(recs[:200:200], recs[:20]...) // the old layout kept redeliveries
		for i, r := range legacy {
			e := entryOf(r)
			k := append(append([]byte(nil), prefLegacy...), digestKey(1, uint64(i+1))[1:]...)
			if err := kv.Put(k, e.append(nil)); err != nil {
				return err
			}
		}
		if err := putU64(kv, keySeq, uint64(len(legacy))); err != nil {
			return err
		}
		return putU64(kv, keySince, uint64(base.Add(-24*time.Hour).UnixMilli()))
	}); err != nil {
		t.Fatal(err)
	}
	if err := db1.Close(); err != nil {
		t.Fatal(err)
	}

	clk := &clock{t: base.Add(-24 * time.Hour)}
	db := openState(t, path)
	s := newSink(t, offlineConfig(), db, clk.Now)
	s.store.chunk = 7
	if err := s.store.migrate(); err != nil { // again: a no-op
		t.Fatal(err)
	}
	sendAll(t, s, recs[150:], 100) // redeliveries of migrated records, then new ones
	d, _ := cutDigest(t, s, clk)
	if got := renderedOf(t, s, d); got != want {
		t.Errorf("digest over migrated entries:\n--- got ---\n%s\n--- want ---\n%s", got, want)
	}
	legacyLeft := 0
	if err := db.SinkView(s.name, func(kv exporter.KV) error {
		return kv.ForEach(prefLegacy, func(_, _ []byte) error { legacyLeft++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	if legacyLeft != 0 {
		t.Errorf("%d legacy entries left", legacyLeft)
	}
}

func TestSeenKey_Forms(t *testing.T) {
	at := base.UnixMilli()
	canon := exporter.AuditRecordID("doc-1")
	if k := seenKey(canon, at); len(k) != 2+8+16 || k[1] != 1 {
		t.Errorf("exporter id %q: key %x, want the 16-byte form", canon, k)
	}
	upper := strings.ToUpper(canon)
	if k := seenKey(upper, at); k[1] != 2 || string(k) == string(seenKey(canon, at)) {
		t.Errorf("%q and %q share a key", upper, canon)
	}
	if seenKey("", at) != nil {
		t.Error("a record without id is indexed")
	}
	if string(seenKey(canon, at)) == string(seenKey(canon, at+1)) {
		t.Error("the time is not part of the key")
	}
	r := created("acme/k", 1)
	e := entryOf(r)
	if got, want := entrySeenKey(e.append(nil)), seenKey(r.ID, r.Time.UnixMilli()); string(got) != string(want) {
		t.Errorf("entrySeenKey %x, seenKey %x", got, want)
	}
}
