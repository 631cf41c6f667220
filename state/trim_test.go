package state

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	bolt "go.etcd.io/bbolt"
)

// dump is every bucket's keys, values and sequence, nested buckets
// included: what a trim must keep byte for byte.
func dump(t *testing.T, db *DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	var walk func(prefix string, b *bolt.Bucket) error
	walk = func(prefix string, b *bolt.Bucket) error {
		out[prefix+"\x00seq"] = fmt.Sprint(b.Sequence())
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return walk(prefix+"/"+string(k), b.Bucket(k))
			}
			out[prefix+"/"+string(k)] = string(v)
			return nil
		})
	}
	if err := db.View(func(tx *Tx) error {
		return tx.tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walk(string(name), b) })
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// fillRandom runs rounds of random changes of every kind the exporter
// makes, each round one transaction.
func fillRandom(t *testing.T, db *DB, seed uint64, rounds int) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	key := func() exporter.AlertKey {
		return exporter.AlertKey{Source: exporter.AlertSources[r.IntN(3)], Repo: fmt.Sprintf("acme/r%d", r.IntN(20)), Number: r.IntN(500)}
	}
	sinks := []string{"hec", "mail"}
	for round := 0; round < rounds; round++ {
		if err := db.Update(func(tx *Tx) error {
			for i := 0; i < 60; i++ {
				sink := sinks[r.IntN(2)]
				var err error
				switch r.IntN(7) {
				case 0, 1:
					err = tx.PutSnapshot(key(), exporter.Snapshot{State: "open", Title: strings.Repeat("t", r.IntN(300))})
				case 2:
					err = tx.DeleteSnapshot(key())
				case 3:
					recs := make([]exporter.Record, 1+r.IntN(30))
					for j := range recs {
						recs[j] = benchRecord(r.IntN(1 << 20))
					}
					err = tx.Append(sink, recs...)
				case 4, 5:
					var items []Item
					if items, err = tx.Peek(sink, r.IntN(40)); err == nil && len(items) > 0 {
						if r.IntN(4) == 0 {
							err = tx.DeadLetter(sink, "refused", items[0].Seq)
						} else {
							err = tx.Ack(sink, seqs(items)...)
						}
					}
				case 6:
					err = tx.PutCursor(fmt.Sprint("alerts/org:acme/", r.IntN(5)), []byte(fmt.Sprint(`{"n":`, r.Int(), `}`)))
					if err == nil {
						err = tx.MarkSeen("audit/org:acme", fmt.Sprint("doc", r.IntN(50)), int64(r.IntN(1e6)))
					}
					if err == nil {
						var kv exporter.KV
						if kv, err = tx.SinkKV(sink); err == nil {
							err = kv.Put([]byte(fmt.Sprint("k", r.IntN(10))), []byte(strings.Repeat("v", r.IntN(100))))
						}
					}
				}
				if err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func seqs(items []Item) []uint64 {
	out := make([]uint64, len(items))
	for i, it := range items {
		out[i] = it.Seq
	}
	return out
}

// Property: whatever the file holds, a trim keeps every key, value and
// sequence, and the file goes on working.
func TestTrim_KeepsEveryKeyValueAndSequence(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			db, err := Open(path, Options{NoSync: true}) // the trim's own fsyncs still run
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			fillRandom(t, db, seed, 4+int(seed)*2)
			want := dump(t, db)
			res, err := db.Trim(TrimPolicy{})
			if err != nil || !res.Trimmed {
				t.Fatalf("trim: %+v, %v", res, err)
			}
			if got := dump(t, db); !reflect.DeepEqual(got, want) {
				t.Fatalf("trim changed the contents: %d entries before, %d after", len(want), len(got))
			}
			if fi, err := os.Stat(path); err != nil || fi.Size() != res.After.FileBytes || res.After.FileBytes > res.Before.FileBytes {
				t.Fatalf("file %v (%v), trim says %d → %d bytes", fi, err, res.Before.FileBytes, res.After.FileBytes)
			}
			if _, err := os.Stat(CompactPath(path)); !os.IsNotExist(err) {
				t.Fatalf("copy left behind: %v", err)
			}
			fillRandom(t, db, seed+100, 3) // still writable, on the new file
			want = dump(t, db)
			db.Close()
			db2, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			if got := dump(t, db2); !reflect.DeepEqual(got, want) {
				t.Fatal("writes after the trim are not in the file at path")
			}
		})
	}
}

// drainedFile queues n records and acks all but the last keep, whose
// sequence numbers it returns: a file whose free pages dominate.
func drainedFile(t testing.TB, db *DB, n, keep int) (kept []uint64) {
	t.Helper()
	fillOutbox(t, db, "hec", n)
	if err := db.Update(func(tx *Tx) error {
		items, err := tx.Peek("hec", n)
		if err != nil {
			return err
		}
		kept = seqs(items[n-keep:])
		return tx.Ack("hec", seqs(items[:n-keep])...)
	}); err != nil {
		t.Fatal(err)
	}
	return kept
}

func TestTrim_PolicyTrimsOnlyWhatIsWorthIt(t *testing.T) {
	db, _ := openTemp(t)
	policy := TrimPolicy{MinReclaimFraction: 0.4, MinReclaimBytes: 1 << 20, Drained: true}
	if res, err := db.Trim(policy); err != nil || res.Trimmed {
		t.Fatalf("new file trimmed: %+v %v", res, err)
	}
	drainedFile(t, db, 5000, 0)
	if err := db.Update(func(tx *Tx) error { return tx.Append("mail", rec("waiting")) }); err != nil {
		t.Fatal(err)
	}
	if res, err := db.Trim(policy); err != nil || res.Trimmed || res.Before.FreeBytes < 1<<20 {
		t.Fatalf("trimmed while an outbox holds a record (or nothing to free): %+v %v", res, err)
	}
	if err := db.Update(func(tx *Tx) error { return tx.Ack("mail", 1) }); err != nil {
		t.Fatal(err)
	}
	res, err := db.Trim(policy)
	if err != nil || !res.Trimmed || res.After.FileBytes*2 > res.Before.FileBytes {
		t.Fatalf("drained file: %+v %v; want it trimmed to under half", res, err)
	}
	if res, err := db.Trim(policy); err != nil || res.Trimmed {
		t.Fatalf("trimmed file trimmed again: %+v %v", res, err)
	}
}

// Sparse pages count, not only free ones: snapshot pages left half full
// (every other alert withdrawn) are trimmed, and only once.
func TestTrim_SparseSnapshotPagesAreTrimmed(t *testing.T) {
	db, _ := openTemp(t)
	const repos, per = 100, 200
	key := func(r, n int) exporter.AlertKey {
		return exporter.AlertKey{Source: exporter.SourceDependabot, Repo: fmt.Sprintf("acme/r%03d", r), Number: n}
	}
	for n := 1; n <= per; n++ {
		if err := db.Update(func(tx *Tx) error {
			for r := 0; r < repos; r++ {
				if err := tx.PutSnapshot(key(r, n), exporter.Snapshot{State: "open", Title: strings.Repeat("x", 150)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Update(func(tx *Tx) error {
		for r := 0; r < repos; r++ {
			for n := 2; n <= per; n += 2 {
				if err := tx.DeleteSnapshot(key(r, n)); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	policy := TrimPolicy{MinReclaimFraction: 0.4, MinReclaimBytes: 512 << 10}
	res, err := db.Trim(policy)
	if err != nil || !res.Trimmed || float64(res.After.FileBytes) > 0.6*float64(res.Before.FileBytes) {
		t.Fatalf("half-full snapshot pages: %+v %v; want trimmed to under 60%%", res, err)
	}
	if res, err := db.Trim(policy); err != nil || res.Trimmed {
		t.Fatalf("trimmed twice: %+v %v", res, err)
	}
}

// Transactions run from other goroutines during trims: none fails, none
// is lost (go test -race checks the swap).
func TestTrim_ConcurrentTransactions(t *testing.T) {
	db, _ := openTemp(t)
	drainedFile(t, db, 2000, 0)
	const writers, each = 3, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2+10)
	for w := 0; w < writers; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				errs <- db.Update(func(tx *Tx) error { return tx.Append("hec", rec(fmt.Sprint(w, "-", i))) })
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				errs <- db.View(func(tx *Tx) error { _, err := tx.Peek("hec", 10); return err })
			}
		}()
	}
	for i := 0; i < 5; i++ {
		if _, err := db.Trim(TrimPolicy{}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	wantCounts(t, db, "hec", writers*each, 0)
	got := map[string]bool{}
	_ = db.View(func(tx *Tx) error {
		items, err := tx.Peek("hec", 1<<20)
		for _, it := range items {
			got[it.Record.ID] = true
		}
		return err
	})
	if len(got) != writers*each {
		t.Fatalf("%d distinct records after trims, want %d", len(got), writers*each)
	}
}

func TestTrim_ReadOnlyRefused(t *testing.T) {
	db, path := openTemp(t)
	db.Close()
	readOnly(t, path, func(ro *DB) {
		if res, err := ro.Trim(TrimPolicy{}); err == nil || res.Trimmed || !strings.Contains(err.Error(), "read-only") {
			t.Fatalf("read-only trim: %+v %v", res, err)
		}
	})
}
