package recordjson_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// testdata/records.jsonl, snapshots.jsonl and state.db were written by the
// hand-written encoder this package replaced (commit 052f234), for the
// corpus; -update rewrites them with this package's encoder, which the
// tests below hold to the same bytes.
var update = flag.Bool("update", false, "rewrite testdata from the corpus")

// null is the golden line of a value the encoder refuses.
const null = "null"

func goldenLines(t *testing.T, name string) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func encodeAll(recs []exporter.Record, snaps []exporter.Snapshot) (r, s [][]byte) {
	for i := range recs {
		b, err := recordjson.MarshalRecord(&recs[i])
		if err != nil {
			b = []byte(null)
		}
		r = append(r, b)
	}
	for i := range snaps {
		b, err := recordjson.MarshalSnapshot(&snaps[i])
		if err != nil {
			b = []byte(null)
		}
		s = append(s, b)
	}
	return r, s
}

func writeGolden(t *testing.T, recs []exporter.Record, snaps []exporter.Snapshot) {
	rl, sl := encodeAll(recs, snaps)
	for name, lines := range map[string][][]byte{"records.jsonl": rl, "snapshots.jsonl": sl} {
		if err := os.WriteFile(filepath.Join("testdata", name), append(bytes.Join(lines, []byte("\n")), '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join("testdata", "state.db")
	os.Remove(path)
	db, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *state.Tx) error {
		for i, s := range snaps {
			if string(sl[i]) == null {
				continue
			}
			if err := tx.PutSnapshot(snapKey(i), s); err != nil {
				return err
			}
		}
		var ok []exporter.Record
		for i, r := range recs {
			if string(rl[i]) != null {
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
	if _, _, err := state.Compact(path, state.Options{}); err != nil {
		t.Fatal(err)
	}
}

// The encoder writes the corpus byte for byte as the golden files hold it,
// and refuses what was refused.
func TestGolden_SameBytes(t *testing.T) {
	recs, snaps := corpus()
	if *update {
		writeGolden(t, recs, snaps)
	}
	rl, sl := encodeAll(recs, snaps)
	for name, c := range map[string]struct{ got, want [][]byte }{
		"records.jsonl": {rl, goldenLines(t, "records.jsonl")}, "snapshots.jsonl": {sl, goldenLines(t, "snapshots.jsonl")},
	} {
		if len(c.got) != len(c.want) {
			t.Fatalf("%s: %d lines, the corpus has %d values", name, len(c.want), len(c.got))
		}
		for i := range c.got {
			if !bytes.Equal(c.got[i], c.want[i]) {
				t.Errorf("%s line %d:\n got %s\nwant %s", name, i+1, c.got[i], c.want[i])
			}
		}
	}
}

// Every golden line decodes to what encoding/json decodes it to, and
// encodes back as encoding/json encodes that.
func TestGolden_Decode(t *testing.T) {
	for _, line := range goldenLines(t, "records.jsonl") {
		if string(line) == null {
			continue
		}
		var got, want exporter.Record
		if err := recordjson.UnmarshalRecord(line, &got); err != nil {
			t.Fatalf("decode %s: %v", line, err)
		}
		if err := json.Unmarshal(line, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decode %s:\n got %+v\nwant %+v", line, got, want)
		}
		// the same bytes where the line had no invalid UTF-8 the decode replaced
		if again, err := recordjson.MarshalRecord(&got); err != nil || !bytes.Equal(again, must(json.Marshal(&want))) {
			t.Fatalf("re-encoded %s as %s (%v)", line, again, err)
		}
	}
	for _, line := range goldenLines(t, "snapshots.jsonl") {
		if string(line) == null {
			continue
		}
		var got, want exporter.Snapshot
		if err := recordjson.UnmarshalSnapshot(line, &got); err != nil {
			t.Fatalf("decode %s: %v", line, err)
		}
		if err := json.Unmarshal(line, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decode %s:\n got %+v\nwant %+v", line, got, want)
		}
		// the same bytes where the line had no invalid UTF-8 the decode replaced
		if again, err := recordjson.MarshalSnapshot(&got); err != nil || !bytes.Equal(again, must(json.Marshal(&want))) {
			t.Fatalf("re-encoded %s as %s (%v)", line, again, err)
		}
	}
}

// A state file written by the earlier encoder opens and reads the same,
// and the same values written today are stored as the same bytes.
func TestGolden_StateFile(t *testing.T) {
	old := openCopy(t, filepath.Join("testdata", "state.db"))
	recs, snaps := corpus()
	fresh, err := state.Open(filepath.Join(t.TempDir(), "fresh.db"), state.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	rl, sl := goldenLines(t, "records.jsonl"), goldenLines(t, "snapshots.jsonl")
	var keep []exporter.Record
	var stored [][]byte
	for i := range recs {
		if string(rl[i]) != null {
			keep = append(keep, recs[i])
			stored = append(stored, rl[i])
		}
	}
	if err := fresh.Update(func(tx *state.Tx) error {
		for i := range snaps {
			if string(sl[i]) != null {
				if err := tx.PutSnapshot(snapKey(i), snaps[i]); err != nil {
					return err
				}
			}
		}
		return tx.AppendAll([]string{"file", "hec"}, keep)
	}); err != nil {
		t.Fatal(err)
	}
	for name, db := range map[string]*state.DB{"golden": old, "fresh": fresh} {
		err := db.View(func(tx *state.Tx) error {
			n := 0
			if err := tx.ForEachSnapshot(exporter.SourceSecretScanning, "", func(k exporter.AlertKey, got exporter.Snapshot) error {
				n++
				var want exporter.Snapshot
				if err := json.Unmarshal(sl[k.Number], &want); err != nil {
					return err
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: snapshot %d = %+v, want %+v", name, k.Number, got, want)
				}
				return nil
			}); err != nil {
				return err
			}
			if want := len(sl) - bytes.Count(bytes.Join(sl, []byte("\n")), []byte("\n"+null)); n == 0 || n > want {
				t.Errorf("%s: %d snapshots, want %d", name, n, want)
			}
			for _, sink := range []string{"file", "hec"} {
				items, err := tx.PeekRaw(sink, 0, len(stored)+1)
				if err != nil {
					return err
				}
				if len(items) != len(stored) {
					t.Fatalf("%s: %d records in %s, want %d", name, len(items), sink, len(stored))
				}
				for i, it := range items {
					// the golden file holds plain JSON entries, as versions
					// before the framed entry wrote them; a fresh one frames
					if framed := it.Raw[0] == 0x01; framed != (name == "fresh") && !*update {
						t.Errorf("%s: %s record %d framed: %v", name, sink, i, framed)
					}
					js, err := recordjson.StoredJSON(it.Raw)
					if err != nil || !bytes.Equal(js, stored[i]) {
						t.Errorf("%s: %s record %d stored as\n%s (%v)\nwant\n%s", name, sink, i, js, err, stored[i])
					}
					want, werr := recordjson.DecodeHead(stored[i])
					got, err := recordjson.DecodeStored(it.Raw)
					if (err == nil) != (werr == nil) || (err == nil && !bytes.Equal(got.JSON, stored[i])) {
						t.Errorf("%s: %s record %d: DecodeStored %v, DecodeHead %v", name, sink, i, err, werr)
					} else if err == nil && it.Raw[0] == 0x01 {
						sameHead(t, name+" head", got.Head, want)
					} else if err == nil && !reflect.DeepEqual(got.Head, want) {
						t.Errorf("%s: %s record %d: plain entry's head %+v, DecodeHead %+v", name, sink, i, got.Head, want)
					}
				}
				decoded, err := tx.Peek(sink, len(stored))
				if err != nil {
					return err
				}
				for i, it := range decoded {
					var want exporter.Record
					if err := json.Unmarshal(stored[i], &want); err != nil {
						return err
					}
					if !reflect.DeepEqual(it.Record, want) {
						t.Errorf("%s: %s record %d read as %+v, want %+v", name, sink, i, it.Record, want)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// openCopy opens a copy of the state file at path, leaving testdata as it is.
func openCopy(t *testing.T, path string) *state.DB {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(cp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := state.Open(cp, state.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
