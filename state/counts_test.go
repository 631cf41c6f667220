package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"path/filepath"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	bolt "go.etcd.io/bbolt"
)

// walkCount is the count the stored counters replace: a full bucket walk.
func walkCount(tx *Tx, parent []byte, sink string) int {
	b := tx.tx.Bucket(parent).Bucket([]byte(sink))
	if b == nil {
		return 0
	}
	return b.Stats().KeyN
}

// writeSchema1 builds a file the way the schema-1 code left it: the same
// buckets without "counts", an outbox of outbox records and a dead-letter
// bucket of dead records for sink.
func writeSchema1(t *testing.T, path, sink string, outbox, dead int) {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketSnapshots, bucketCursors, bucketSeen, bucketOutbox, bucketDead, bucketSinkData} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketMeta).Put(keySchema, u64(1)); err != nil {
			return err
		}
		ob, err := tx.Bucket(bucketOutbox).CreateBucket([]byte(sink))
		if err != nil {
			return err
		}
		db, err := tx.Bucket(bucketDead).CreateBucket([]byte(sink))
		if err != nil {
			return err
		}
		for i := 0; i < outbox+dead; i++ {
			seq, _ := ob.NextSequence()
			raw, _ := json.Marshal(rec(fmt.Sprint("r", i)))
			if i < dead {
				entry, _ := json.Marshal(map[string]any{"reason": "bad", "record": json.RawMessage(raw)})
				if err := db.Put(u64(seq), entry); err != nil {
					return err
				}
				continue
			}
			if err := ob.Put(u64(seq), raw); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketCursors).Put([]byte("c1"), []byte(`{"etag":"x"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func wantCounts(t *testing.T, db *DB, sink string, pending, dead int) {
	t.Helper()
	if err := db.View(func(tx *Tx) error {
		p, err := tx.Pending(sink)
		if err != nil {
			return err
		}
		d, err := tx.DeadCount(sink)
		if err != nil {
			return err
		}
		if p != pending || d != dead {
			return fmt.Errorf("pending %d dead %d, want %d and %d", p, d, pending, dead)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestCounts_MigratedFromSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	writeSchema1(t, path, "hec", 7, 3)

	// state show opens read-only and so does not migrate: it walks.
	readOnly(t, path, func(ro *DB) { wantCounts(t, ro, "hec", 7, 3) })

	db := reopen(t, path)
	if err := db.View(func(tx *Tx) error {
		for _, parent := range [][]byte{bucketOutbox, bucketDead} {
			if raw := tx.tx.Bucket(bucketCounts).Get(countKey(parent, "hec")); len(raw) != 8 {
				return fmt.Errorf("no stored count for %s/hec after migration", parent)
			}
		}
		if string(tx.Cursor("c1")) != `{"etag":"x"}` {
			return errors.New("migration lost a cursor")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, db, "hec", 7, 3)
	if err := db.Update(func(tx *Tx) error {
		items, err := tx.Peek("hec", 2)
		if err != nil || len(items) != 2 {
			return fmt.Errorf("peek: %v %v", items, err)
		}
		if err := tx.Ack("hec", items[0].Seq); err != nil {
			return err
		}
		if err := tx.DeadLetter("hec", "bad", items[1].Seq); err != nil {
			return err
		}
		return tx.Append("hec", rec("new"))
	}); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, db, "hec", 6, 4)
}

// TestCounts_EqualWalkAfterRandomOps drives random appends, acks (some
// twice, some of unknown seqs), dead-letters, requeues and rolled-back
// transactions over two sinks, and after each checks the stored counts
// against a full walk.
func TestCounts_EqualWalkAfterRandomOps(t *testing.T) {
	for seed := int64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			db, _ := openTemp(t)
			r := rand.New(rand.NewSource(seed))
			sinks := []string{"hec", "mail"}
			errRollback := errors.New("rollback")
			for step := 0; step < 200; step++ {
				sink := sinks[r.Intn(len(sinks))]
				op := r.Intn(5)
				err := db.Update(func(tx *Tx) error {
					items, err := tx.Peek(sink, 1+r.Intn(20))
					if err != nil {
						return err
					}
					pick := func() []uint64 {
						var seqs []uint64
						for _, it := range items {
							if r.Intn(2) == 0 {
								seqs = append(seqs, it.Seq, it.Seq) // twice: must count once
							}
						}
						return append(seqs, uint64(1_000_000+r.Intn(10))) // never appended
					}
					switch op {
					case 0:
						recs := make([]exporter.Record, r.Intn(15))
						for i := range recs {
							recs[i] = rec(fmt.Sprint(step, "-", i))
						}
						err = tx.Append(sink, recs...)
					case 1:
						err = tx.Ack(sink, pick()...)
					case 2:
						err = tx.DeadLetter(sink, "bad", pick()...)
					case 3:
						if r.Intn(3) == 0 {
							_, err = tx.Requeue(sink)
						}
					case 4:
						if err = tx.Append(sink, rec("doomed")); err == nil {
							err = tx.Ack(sink, pick()...)
						}
						if err == nil {
							err = errRollback
						}
					}
					return err
				})
				if err != nil && !errors.Is(err, errRollback) {
					t.Fatalf("step %d op %d: %v", step, op, err)
				}
				if err := db.View(func(tx *Tx) error {
					for _, s := range sinks {
						for _, parent := range [][]byte{bucketOutbox, bucketDead} {
							got, err := tx.count(parent, s)
							if err != nil {
								return err
							}
							if want := walkCount(tx, parent, s); got != want {
								return fmt.Errorf("%s/%s: stored count %d, walk %d", parent, s, got, want)
							}
						}
					}
					return nil
				}); err != nil {
					t.Fatalf("after step %d op %d: %v", step, op, err)
				}
			}
		})
	}
}
