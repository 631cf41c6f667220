package recordjson_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson/recordjsontest"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// A record and a snapshot with every field set come back whole from the
// encoder and from the state file, in encoding/json's bytes: a field added
// later is covered without editing this test.
func TestEveryField_RoundTrips(t *testing.T) {
	rec, snap := recordjsontest.Record(), recordjsontest.Snapshot()

	raw, err := recordjson.MarshalRecord(&rec)
	if err != nil {
		t.Fatal(err)
	}
	if want := must(json.Marshal(&rec)); !bytes.Equal(raw, want) {
		t.Fatalf("record:\n got %s\nwant %s", raw, want)
	}
	var gotRec exporter.Record
	if err := recordjson.UnmarshalRecord(raw, &gotRec); err != nil || !reflect.DeepEqual(gotRec, rec) {
		t.Fatalf("record round trip (%v):\n got %+v\nwant %+v", err, gotRec, rec)
	}
	if h, err := recordjson.DecodeHead(raw); err != nil || h != rec.Head() {
		t.Fatalf("DecodeHead = %+v, %v; want %+v", h, err, rec.Head())
	}
	sraw, err := recordjson.MarshalSnapshot(&snap)
	if err != nil {
		t.Fatal(err)
	}
	if want := must(json.Marshal(&snap)); !bytes.Equal(sraw, want) {
		t.Fatalf("snapshot:\n got %s\nwant %s", sraw, want)
	}
	var gotSnap exporter.Snapshot
	if err := recordjson.UnmarshalSnapshot(sraw, &gotSnap); err != nil || !reflect.DeepEqual(gotSnap, snap) {
		t.Fatalf("snapshot round trip (%v):\n got %+v\nwant %+v", err, gotSnap, snap)
	}

	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key := exporter.AlertKey{Source: exporter.SourceCodeScanning, Repo: "acme/w", Number: 1}
	if err := db.Update(func(tx *state.Tx) error {
		if err := tx.PutSnapshot(key, snap); err != nil {
			return err
		}
		return tx.Append("s", rec)
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *state.Tx) error {
		got, ok, err := tx.Snapshot(key)
		if err != nil || !ok || !reflect.DeepEqual(got, snap) {
			t.Errorf("stored snapshot = %+v, %v, %v; want %+v", got, ok, err, snap)
		}
		items, err := tx.Peek("s", 1)
		if err != nil || len(items) != 1 || !reflect.DeepEqual(items[0].Record, rec) {
			t.Errorf("stored record = %+v, %v; want %+v", items, err, rec)
		}
		rawItems, err := tx.PeekRaw("s", 0, 1)
		if err != nil || len(rawItems) != 1 {
			t.Fatalf("stored records = %+v, %v", rawItems, err)
		}
		if js, err := recordjson.StoredJSON(rawItems[0].Raw); err != nil || !bytes.Equal(js, raw) {
			t.Errorf("stored record JSON = %s, %v; want %s", js, err, raw)
		}
		if got, err := recordjson.DecodeStored(rawItems[0].Raw); err != nil || !bytes.Equal(got.JSON, raw) ||
			!got.Head.Time.Equal(rec.Time) || !got.Head.ObservedAt.Equal(rec.ObservedAt) {
			t.Errorf("stored record = %+v, %v; want head %+v", got.Head, err, rec.Head())
		} else {
			want := rec.Head()
			got.Head.Time, got.Head.ObservedAt = want.Time, want.ObservedAt // compared as instants above
			if got.Head != want {
				t.Errorf("stored head = %+v, want %+v", got.Head, want)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Snapshot.Equal, which decides whether an alert changed, sees a change
// to any one field of a snapshot.
func TestEveryField_SnapshotEqual(t *testing.T) {
	base := recordjsontest.Snapshot()
	for path := range recordjsontest.Paths(&base) {
		changed := recordjsontest.Snapshot()
		recordjsontest.Paths(&changed)[path]()
		if base.Equal(changed) {
			t.Errorf("Snapshot.Equal misses a change to %s", path)
		}
		if !changed.Equal(changed) {
			t.Errorf("a snapshot with %s changed is not Equal to itself", path)
		}
	}
}
