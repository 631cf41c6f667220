package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

type fileContents struct {
	snapshots map[exporter.AlertKey]exporter.Snapshot
	cursors   map[string]string
	pending   []Item
	dead      map[uint64]string
	nPending  int
	nDead     int
	seen      bool
	sinkData  string
}

func readContents(t *testing.T, db *DB) fileContents {
	t.Helper()
	c := fileContents{snapshots: map[exporter.AlertKey]exporter.Snapshot{}, cursors: map[string]string{}, dead: map[uint64]string{}}
	if err := db.View(func(tx *Tx) error {
		if err := tx.ForEachSnapshot("", "", func(k exporter.AlertKey, s exporter.Snapshot) error { c.snapshots[k] = s; return nil }); err != nil {
			return err
		}
		if err := tx.ForEachCursor(func(n string, v []byte) error { c.cursors[n] = string(v); return nil }); err != nil {
			return err
		}
		var err error
		if c.pending, err = tx.Peek("hec", 1<<30); err != nil {
			return err
		}
		if err := tx.ForEachDead("hec", func(seq uint64, e []byte) error { c.dead[seq] = string(e); return nil }); err != nil {
			return err
		}
		if c.nPending, err = tx.Pending("hec"); err != nil {
			return err
		}
		if c.nDead, err = tx.DeadCount("hec"); err != nil {
			return err
		}
		for _, parent := range [][]byte{bucketOutbox, bucketDead} {
			if raw := tx.tx.Bucket(bucketCounts).Get(countKey(parent, "hec")); len(raw) != 8 {
				return fmt.Errorf("no stored count for %s/hec", parent)
			}
		}
		c.seen = tx.Seen("audit/org:acme", "doc1")
		kv, err := tx.SinkKV("mail")
		if err != nil {
			return err
		}
		c.sinkData = string(kv.Get([]byte("digest")))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCompact_ShrinksDrainedFileKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	const n = 5000
	err = db.Update(func(tx *Tx) error {
		for i := 1; i <= 300; i++ {
			if err := tx.PutSnapshot(exporter.AlertKey{Source: exporter.SourceDependabot, Repo: "acme/a", Number: i}, exporter.Snapshot{State: "open", Title: fmt.Sprint("t", i)}); err != nil {
				return err
			}
		}
		if err := tx.PutCursor("dependabot/org:acme", []byte(`{"etag":"W/1"}`)); err != nil {
			return err
		}
		if err := tx.MarkSeen("audit/org:acme", "doc1", 1000); err != nil {
			return err
		}
		kv, err := tx.SinkKV("mail")
		if err != nil {
			return err
		}
		return kv.Put([]byte("digest"), []byte("d1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	// Drain all but the last 10; dead-letter 3 of those.
	kept := drainedFile(t, db, n, 10)
	if err := db.Update(func(tx *Tx) error { return tx.DeadLetter("hec", "bad", kept[:3]...) }); err != nil {
		t.Fatal(err)
	}
	want := readContents(t, db)
	if want.nPending != 7 || want.nDead != 3 || len(want.snapshots) != 300 {
		t.Fatalf("setup: %d pending, %d dead, %d snapshots", want.nPending, want.nDead, len(want.snapshots))
	}
	db.Close()

	before, after, err := Compact(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Size() != after || before <= after*2 {
		t.Fatalf("compaction %d → %d bytes (file now %d): want it to shrink a drained outbox to under half", before, after, fi.Size())
	}
	if _, err := os.Stat(CompactPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s left behind: %v", CompactPath(path), err)
	}
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := readContents(t, db); !reflect.DeepEqual(got, want) {
		t.Fatalf("compaction changed the contents:\n got %+v\nwant %+v", got, want)
	}
	// The outbox sequence survives, so new records queue after the old.
	if err := db.Update(func(tx *Tx) error { return tx.Append("hec", rec("after")) }); err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *Tx) error {
		items, _ := tx.Peek("hec", 100)
		if last := items[len(items)-1]; last.Record.ID != "after" || last.Seq <= want.pending[len(want.pending)-1].Seq {
			t.Errorf("new record queued at seq %d (%s), before the old tail %d", last.Seq, last.Record.ID, want.pending[len(want.pending)-1].Seq)
		}
		return nil
	})
}

func TestCompact_RefusedWhileHeld(t *testing.T) {
	db, path := openTemp(t)
	if err := db.Update(func(tx *Tx) error { return tx.Append("hec", rec("a")) }); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	_, _, err := Compact(path, Options{Timeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("compact of a held file: %v; want ErrLocked naming %s", err, path)
	}
	if _, err := os.Stat(CompactPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("refused compaction wrote %s: %v", CompactPath(path), err)
	}
	if fi2, _ := os.Stat(path); fi2.Size() != fi.Size() {
		t.Fatal("refused compaction changed the file")
	}
	wantCounts(t, db, "hec", 1, 0)
}

// A crash mid-compaction leaves a partial copy beside the intact original;
// the next run replaces it.
func TestCompact_StaleCopyFromCrashedRunIsReplaced(t *testing.T) {
	db, path := openTemp(t)
	if err := db.Update(func(tx *Tx) error { return tx.Append("hec", rec("a"), rec("b")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := os.WriteFile(CompactPath(path), []byte("half a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Compact(path, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(CompactPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale %s left behind: %v", CompactPath(path), err)
	}
	db2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	wantCounts(t, db2, "hec", 2, 0)
}

func TestCompact_MissingFileIsNotCreated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "typo.db")
	if _, _, err := Compact(path, Options{}); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Fatalf("compact of a missing file: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("compact created %s: %v", path, err)
	}
}
