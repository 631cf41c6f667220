package state_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// openExample opens a state file in a fresh directory; cleanup closes and
// removes it.
func openExample() (db *state.DB, cleanup func()) {
	dir, err := os.MkdirTemp("", "state-example")
	if err != nil {
		log.Fatal(err)
	}
	db, err = state.Open(filepath.Join(dir, "state.db"), state.Options{Timeout: time.Second})
	if err != nil {
		log.Fatal(err)
	}
	return db, func() { _ = db.Close(); _ = os.RemoveAll(dir) }
}

// The exporter's cycle: one transaction stores what a poll saw and appends
// the records it produced to every sink's outbox; each sink's delivery loop
// then peeks a batch, sends it and acks what the sink accepted. A crash
// between the two loses nothing: unacked records stay in the outbox.
func Example() {
	db, cleanup := openExample()
	defer cleanup()

	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	seen := exporter.Observation{
		Key:   exporter.AlertKey{Source: exporter.SourceSecretScanning, Repo: "acme/app", Number: 3},
		State: "resolved", Reason: "revoked", CreatedAt: t0, UpdatedAt: t0.Add(time.Hour),
		ClosedAt: t0.Add(time.Hour), ClosedBy: "octocat",
	}
	recs := exporter.Diff(nil, &seen, exporter.OriginPoll, t0.Add(2*time.Hour))
	sinks := []string{"file", "siem"}
	err := db.Update(func(tx *state.Tx) error {
		if err := tx.PutSnapshot(seen.Key, seen.Snapshot()); err != nil {
			return err
		}
		return tx.AppendAll(sinks, recs)
	})
	if err != nil {
		log.Fatal(err)
	}

	// The "file" sink's delivery loop: peek, send, ack.
	var batch []state.Item
	err = db.View(func(tx *state.Tx) (err error) {
		batch, err = tx.Peek("file", 100)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	var seqs []uint64
	for _, it := range batch {
		fmt.Println("send", it.Seq, it.Record.Action, it.Record.Repo)
		seqs = append(seqs, it.Seq)
	}
	err = db.Update(func(tx *state.Tx) error { return tx.Ack("file", seqs...) })
	if err != nil {
		log.Fatal(err)
	}

	// "file" is done; "siem" has not sent its copies yet.
	err = db.View(func(tx *state.Tx) error {
		for _, sink := range sinks {
			n, err := tx.Pending(sink)
			if err != nil {
				return err
			}
			fmt.Println(sink, "pending", n)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// send 1 created acme/app
	// send 2 resolved acme/app
	// file pending 0
	// siem pending 2
}

// Snapshots are each alert's last-seen state, the "previous" of the next
// diff: absent for an alert never seen, replaced as the alert changes, and
// walked by source and repository prefix.
func ExampleTx_Snapshot() {
	db, cleanup := openExample()
	defer cleanup()

	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	key := func(repo string, n int) exporter.AlertKey {
		return exporter.AlertKey{Source: exporter.SourceDependabot, Repo: repo, Number: n}
	}
	err := db.Update(func(tx *state.Tx) error {
		for _, k := range []exporter.AlertKey{key("acme/app", 1), key("acme/app", 2), key("acme/lib", 1), key("other/x", 1)} {
			if err := tx.PutSnapshot(k, exporter.Snapshot{State: "open", Severity: "high", UpdatedAt: t0}); err != nil {
				return err
			}
		}
		// acme/app#2 was fixed: its snapshot is replaced
		return tx.PutSnapshot(key("acme/app", 2), exporter.Snapshot{State: "fixed", Severity: "high", UpdatedAt: t0, ClosedAt: t0})
	})
	if err != nil {
		log.Fatal(err)
	}

	err = db.View(func(tx *state.Tx) error {
		for _, k := range []exporter.AlertKey{key("acme/app", 2), key("acme/app", 9)} {
			s, ok, err := tx.Snapshot(k)
			if err != nil {
				return err
			}
			fmt.Printf("%s#%d: tracked %v, state %q\n", k.Repo, k.Number, ok, s.State)
		}
		return tx.ForEachSnapshot(exporter.SourceDependabot, "acme/", func(k exporter.AlertKey, s exporter.Snapshot) error {
			fmt.Printf("acme/ has %s#%d %s\n", k.Repo, k.Number, s.State)
			return nil
		})
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// acme/app#2: tracked true, state "fixed"
	// acme/app#9: tracked false, state ""
	// acme/ has acme/app#1 open
	// acme/ has acme/app#2 fixed
	// acme/ has acme/lib#1 open
}
