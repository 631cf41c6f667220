package state

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
)

// A dead letter keeps the record JSON of a framed entry whose CRC checks,
// and a damaged entry's bytes as a JSON string; Requeue puts the record
// JSON back as a plain entry, which reads (PeekRaw's value through
// DecodeStored, and Peek) as the record it was.
func TestOutbox_DeadLetterKeepsRecordJSON(t *testing.T) {
	db, _ := openTemp(t)
	a, b := rec("a"), rec("b")
	if err := db.Update(func(tx *Tx) error { return tx.Append("s1", a, b) }); err != nil {
		t.Fatal(err)
	}
	wantA, _ := recordjson.MarshalRecord(&a)
	var damaged []byte
	if err := db.Update(func(tx *Tx) error {
		ob := tx.tx.Bucket(bucketOutbox).Bucket([]byte("s1"))
		damaged = bytes.Clone(ob.Get(u64(2)))
		damaged[len(damaged)-3] ^= 0x20 // a letter's case, inside the JSON
		if err := ob.Put(u64(2), damaged); err != nil {
			return err
		}
		return tx.DeadLetter("s1", "refused", 1, 2)
	}); err != nil {
		t.Fatal(err)
	}
	records := map[uint64]json.RawMessage{}
	if err := db.View(func(tx *Tx) error {
		return tx.ForEachDead("s1", func(seq uint64, entry []byte) error {
			var e struct {
				Record json.RawMessage `json:"record"`
			}
			err := json.Unmarshal(entry, &e)
			records[seq] = e.Record
			return err
		})
	}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(records[1], wantA) {
		t.Errorf("dead letter of a framed entry holds %s, want the record JSON %s", records[1], wantA)
	}
	var s string
	if err := json.Unmarshal(records[2], &s); err != nil || s[0] != 0x01 || len(s) < len(damaged) {
		t.Errorf("dead letter of a damaged entry holds %s (%v), want its bytes as a string", records[2], err)
	}
	if err := db.Update(func(tx *Tx) error { _, err := tx.Requeue("s1"); return err }); err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *Tx) error {
		raw, err := tx.PeekRaw("s1", 0, 10)
		if err != nil || len(raw) != 2 || !bytes.Equal(raw[0].Raw, wantA) {
			t.Fatalf("requeued entries %+v, %v; want the plain record JSON first", raw, err)
		}
		if got, err := recordjson.DecodeStored(raw[0].Raw); err != nil || got.Head.ID != "a" {
			t.Errorf("requeued entry reads as %+v, %v", got.Head, err)
		}
		if _, err := recordjson.DecodeStored(raw[1].Raw); err == nil {
			t.Errorf("the damaged entry requeued reads as a record")
		}
		items, err := tx.Peek("s1", 10)
		if err != nil || len(items) != 2 || items[0].Record.ID != "a" || items[1].Record.ID != "" {
			t.Errorf("Peek after requeue: %+v, %v", items, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A schema-3 file (an earlier version's) holding plain JSON outbox entries
// opens at schema 4 with its entries as they were: read, decoded and
// acked like framed ones written after it.
func TestOpen_Schema3PlainOutbox(t *testing.T) {
	db, path := openTemp(t)
	plain, err := recordjson.MarshalRecord(&exporter.Record{Schema: 1, ID: "old", Category: "alert", Source: "dependabot", Action: "created"})
	must(t, err)
	must(t, db.Update(func(tx *Tx) error {
		b, err := nested(tx.tx, bucketOutbox, "hec", true)
		if err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := b.Put(u64(seq), plain); err != nil {
			return err
		}
		if err := tx.setCount(bucketOutbox, "hec", 1); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketMeta).Put(keySchema, u64(3))
	}))
	must(t, db.Close())
	db, err = Open(path, Options{})
	must(t, err)
	defer db.Close()
	if v, _ := db.SchemaVersion(); v != 4 {
		t.Fatalf("schema %d after open, want 4", v)
	}
	must(t, db.Update(func(tx *Tx) error { return tx.Append("hec", rec("new")) }))
	must(t, db.View(func(tx *Tx) error {
		items, err := tx.PeekRaw("hec", 0, 10)
		if err != nil {
			return err
		}
		if len(items) != 2 || !bytes.Equal(items[0].Raw, plain) || items[1].Raw[0] != 0x01 {
			t.Fatalf("outbox %v, want the plain entry, then a framed one", items)
		}
		for i, want := range []string{"old", "new"} {
			if r, err := recordjson.DecodeStored(items[i].Raw); err != nil || r.Head.ID != want {
				t.Errorf("entry %d: %+v %v, want id %s", i, r.Head, err, want)
			}
		}
		return nil
	}))
}
