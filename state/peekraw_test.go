package state

import (
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
)

// PeekRaw reads on from a position, returns the stored bytes, and its
// values stay intact after the transaction and after later writes reuse
// the pages they came from.
func TestTx_PeekRaw_ReadsOnFromAPosition(t *testing.T) {
	db, _ := openTemp(t)
	if err := db.Update(func(tx *Tx) error { return tx.Append("hec", rec("a"), rec("b"), rec("c"), rec("d")) }); err != nil {
		t.Fatal(err)
	}
	peek := func(after uint64, max int) (items []RawItem) {
		t.Helper()
		if err := db.View(func(tx *Tx) (err error) { items, err = tx.PeekRaw("hec", after, max); return err }); err != nil {
			t.Fatal(err)
		}
		return items
	}
	first := peek(0, 2)
	if len(first) != 2 || first[0].Seq != 1 || first[1].Seq != 2 {
		t.Fatalf("first batch %+v, want seqs 1 and 2", first)
	}
	rest := peek(first[1].Seq, 10)
	if len(rest) != 2 || rest[0].Seq != 3 || rest[1].Seq != 4 {
		t.Fatalf("batch after seq 2: %+v, want seqs 3 and 4", rest)
	}
	if got := peek(rest[1].Seq, 10); len(got) != 0 {
		t.Fatalf("after the last: %+v", got)
	}
	if got := peek(^uint64(0), 10); len(got) != 0 {
		t.Fatalf("after the largest sequence: %+v", got)
	}
	if err := db.Update(func(tx *Tx) error {
		if err := tx.Ack("hec", 1, 2, 3, 4); err != nil {
			return err
		}
		return tx.Append("hec", rec("eeeeeeeeeeeeeeeeeeee"), rec("ffffffffffffffffffff"))
	}); err != nil {
		t.Fatal(err)
	}
	for i, it := range append(first, rest...) {
		r := rec(string(rune('a' + i)))
		want, _ := recordjson.MarshalStored(&r)
		if string(it.Raw) != string(want) {
			t.Errorf("item %d: raw %q, want %q", i, it.Raw, want)
		}
	}
	if got := peek(0, 10); len(got) != 2 || got[0].Seq != 5 {
		t.Fatalf("after ack and append: %+v, want seqs 5 and 6", got)
	}
}
