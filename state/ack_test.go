package state

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Ack removes exactly the sequences it is given, whatever their order,
// gaps and repeats, and sequences never appended or acked before: a
// random subset of a 600-record outbox (many leaf pages) acked in one
// transaction leaves every other record and only those.
func TestAck_RemovesExactlyTheGivenSequences(t *testing.T) {
	for seed := int64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			db, _ := openTemp(t)
			r := rand.New(rand.NewSource(seed))
			recs := make([]exporter.Record, 600)
			for i := range recs {
				recs[i] = rec(fmt.Sprint("r", i))
			}
			must(t, db.Update(func(tx *Tx) error { return tx.Append("hec", recs...) }))
			left := map[uint64]bool{}
			for s := uint64(1); s <= 600; s++ {
				left[s] = true
			}
			for round := 0; round < 4; round++ {
				var seqs []uint64
				for s := uint64(1); s <= 620; s++ {
					switch r.Intn(4) {
					case 0:
						seqs = append(seqs, s)
					case 1:
						if r.Intn(8) == 0 {
							seqs = append(seqs, s, s)
						}
					}
				}
				r.Shuffle(len(seqs), func(i, j int) { seqs[i], seqs[j] = seqs[j], seqs[i] })
				must(t, db.Update(func(tx *Tx) error { return tx.Ack("hec", seqs...) }))
				for _, s := range seqs {
					delete(left, s)
				}
				var got []uint64
				must(t, db.View(func(tx *Tx) error {
					items, err := tx.PeekRaw("hec", 0, 1000)
					for _, it := range items {
						got = append(got, it.Seq)
					}
					return err
				}))
				want := slices.Sorted(func(yield func(uint64) bool) {
					for s := range left {
						if !yield(s) {
							return
						}
					}
				})
				if !slices.Equal(got, want) {
					t.Fatalf("round %d: outbox holds %d records, want %d", round, len(got), len(want))
				}
				wantCounts(t, db, "hec", len(want), 0)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
