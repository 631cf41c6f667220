package recordjson_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

var update = flag.Bool("update", false, "rewrite testdata from the hand-written encoder")

func TestGenerateGolden(t *testing.T) {
	if !*update {
		t.Skip("-update")
	}
	recs, snaps := corpus()
	var rb, sb bytes.Buffer
	for i := range recs {
		b, ok := recs[i].AppendJSON(nil)
		if !ok {
			var err error
			if b, err = json.Marshal(&recs[i]); err != nil {
				b = []byte("null")
			}
		}
		rb.Write(b)
		rb.WriteByte('\n')
	}
	for i := range snaps {
		b, ok := snaps[i].AppendJSON(nil)
		if !ok {
			var err error
			if b, err = json.Marshal(&snaps[i]); err != nil {
				b = []byte("null")
			}
		}
		sb.Write(b)
		sb.WriteByte('\n')
	}
	os.WriteFile("testdata/records.jsonl", rb.Bytes(), 0o644)
	os.WriteFile("testdata/snapshots.jsonl", sb.Bytes(), 0o644)

	os.Remove("testdata/state.db")
	db, err := state.Open("testdata/state.db", state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *state.Tx) error {
		for i, s := range snaps {
			if _, err := json.Marshal(s); err != nil {
				continue
			}
			if err := tx.PutSnapshot(snapKey(i), s); err != nil {
				return err
			}
		}
		var ok []exporter.Record
		for _, r := range recs {
			if _, err := json.Marshal(&r); err == nil {
				ok = append(ok, r)
			}
		}
		return tx.AppendAll([]string{"file", "hec"}, ok)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := state.Compact("testdata/state.db", state.Options{}); err != nil {
		t.Fatal(err)
	}
}
