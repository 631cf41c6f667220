package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/state"
	"github.com/ghsec-exporter/ghsec-exporter/state/statetest"
)

// An outbox entry stored as plain record JSON, as earlier versions stored
// every entry, is delivered beside framed ones, to every kind of sink; a
// framed entry with one byte changed inside a string (still valid JSON,
// with another id) is dead-lettered, never sent, and its bytes kept.
func TestDeliverer_Drain_PlainAndDamagedEntries(t *testing.T) {
	for _, kind := range sinkKinds {
		t.Run("sink"+kind, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			db, err := state.Open(path, state.Options{NoSync: true})
			must(t, err)
			queue(t, db, "r1", "r2", "r3", "r4")
			must(t, db.Close())

			// rewrite the file as an earlier version and a torn write left it
			var damaged []byte
			statetest.RewriteOutbox(t, path, testSink, func(i int, v []byte) []byte {
				if v[0] != 0x01 {
					t.Fatalf("entry %d is not framed: %q", i, v)
				}
				js, err := recordjson.StoredJSON(v)
				must(t, err)
				switch i {
				case 1, 4:
					return bytes.Clone(js) // plain JSON
				case 3:
					damaged = bytes.Replace(v, []byte(`"id":"r3"`), []byte(`"id":"s3"`), 1)
					if bytes.Equal(damaged, v) {
						t.Fatal("no id to damage")
					}
					return damaged
				}
				return nil
			})

			db, err = state.Open(path, state.Options{NoSync: true})
			must(t, err)
			defer db.Close()
			sink := &scriptedSink{}
			clk, logs := &recorder{now: t0}, &logCounter{}
			d := &Deliverer{DB: db, Name: testSink, Sink: ofKind(kind, sink), BatchSize: 10, Retry: newRetrier(clk, logs)}
			must(t, d.Drain(context.Background()))
			if want := [][]string{{"r1", "r2", "r4"}}; !reflect.DeepEqual(sink.batches, want) {
				t.Errorf("batches sent %v, want %v", sink.batches, want)
			}
			var entries []string
			must(t, db.View(func(tx *state.Tx) error {
				return tx.ForEachDead(testSink, func(_ uint64, entry []byte) error {
					var e struct {
						Reason string `json:"reason"`
						Record string `json:"record"`
					}
					if err := json.Unmarshal(entry, &e); err != nil {
						t.Errorf("dead letter %s: %v", entry, err)
					}
					// kept as a JSON string (its bytes that are not UTF-8 as U+FFFD)
					var want string
					q, err := json.Marshal(string(damaged))
					must(t, err)
					must(t, json.Unmarshal(q, &want))
					if e.Reason != errUndecodable.Error() || e.Record != want {
						t.Errorf("dead letter %+v, want the damaged entry's bytes", e)
					}
					entries = append(entries, e.Reason)
					return nil
				})
			}))
			if len(entries) != 1 {
				t.Errorf("%d dead letters, want 1", len(entries))
			}
			if got := outbox(t, db); len(got) != 0 {
				t.Errorf("outbox still holds %v", got)
			}
		})
	}
}
