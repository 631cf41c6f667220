package state

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

func openTemp(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

// readOnly opens the file at path read-only, as `state show` does (it
// never migrates), hands it to fn and closes it.
func readOnly(t *testing.T, path string, fn func(ro *DB)) {
	t.Helper()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	fn(ro)
}

// reopen opens the file at path read-write, which migrates one of an older
// schema, fails the test unless it is at SchemaVersion then, and closes it
// when the test ends.
func reopen(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if v, _ := db.SchemaVersion(); v != SchemaVersion {
		t.Fatalf("schema %d after open, want %d", v, SchemaVersion)
	}
	return db
}

func rec(id string) exporter.Record {
	return exporter.Record{Schema: 1, ID: id, Category: "alert", Source: "dependabot", Action: "created"}
}

func TestOpen_LockedFailsFast(t *testing.T) {
	_, path := openTemp(t)
	start := time.Now()
	_, err := Open(path, Options{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: got %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("error should name the file and say it is in use: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("second open did not fail fast")
	}
}

func TestSnapshot_PutGetKeyedBySourceRepoNumber(t *testing.T) {
	db, _ := openTemp(t)
	k1 := exporter.AlertKey{Source: "dependabot", Repo: "acme/a", Number: 1}
	k2 := exporter.AlertKey{Source: "dependabot", Repo: "acme/b", Number: 1}
	k3 := exporter.AlertKey{Source: "code_scanning", Repo: "acme/a", Number: 1}
	err := db.Update(func(tx *Tx) error {
		for i, k := range []exporter.AlertKey{k1, k2, k3} {
			if err := tx.PutSnapshot(k, exporter.Snapshot{State: "open", Title: string(rune('a' + i))}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *Tx) error {
		for i, k := range []exporter.AlertKey{k1, k2, k3} {
			s, ok, err := tx.Snapshot(k)
			if err != nil || !ok || s.Title != string(rune('a'+i)) {
				t.Errorf("snapshot %v: %+v %v %v", k, s, ok, err)
			}
		}
		n := 0
		_ = tx.ForEachSnapshot("dependabot", "acme/", func(k exporter.AlertKey, _ exporter.Snapshot) error { n++; return nil })
		if n != 2 {
			t.Errorf("prefix walk found %d dependabot alerts in acme/, want 2", n)
		}
		return nil
	})
}

func TestOutbox_AppendPeekAckDeadLetterRequeue(t *testing.T) {
	db, _ := openTemp(t)
	if err := db.Update(func(tx *Tx) error { return tx.Append("s1", rec("a"), rec("b"), rec("c")) }); err != nil {
		t.Fatal(err)
	}
	var items []Item
	_ = db.View(func(tx *Tx) error { items, _ = tx.Peek("s1", 2); return nil })
	if len(items) != 2 || items[0].Record.ID != "a" || items[1].Record.ID != "b" {
		t.Fatalf("peek: %+v", items)
	}
	err := db.Update(func(tx *Tx) error {
		if err := tx.Ack("s1", items[0].Seq); err != nil {
			return err
		}
		return tx.DeadLetter("s1", "bad data", items[1].Seq)
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *Tx) error {
		pending, perr := tx.Pending("s1")
		dead, derr := tx.DeadCount("s1")
		if pending != 1 || dead != 1 || perr != nil || derr != nil {
			t.Errorf("pending %d (%v) dead %d (%v), want 1 and 1", pending, perr, dead, derr)
		}
		return nil
	})
	_ = db.Update(func(tx *Tx) error {
		n, err := tx.Requeue("s1")
		if n != 1 || err != nil {
			t.Errorf("requeue: %d %v", n, err)
		}
		return nil
	})
	_ = db.View(func(tx *Tx) error {
		items, _ = tx.Peek("s1", 10)
		if len(items) != 2 || items[0].Record.ID != "c" || items[1].Record.ID != "b" {
			t.Errorf("after requeue: %+v", items)
		}
		return nil
	})
}

func TestOutbox_RollbackLosesNothing(t *testing.T) {
	db, _ := openTemp(t)
	boom := errors.New("boom")
	err := db.Update(func(tx *Tx) error {
		if err := tx.PutSnapshot(exporter.AlertKey{Source: "dependabot", Repo: "a/b", Number: 1}, exporter.Snapshot{State: "open"}); err != nil {
			return err
		}
		if err := tx.Append("s1", rec("x")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	_ = db.View(func(tx *Tx) error {
		_, ok, _ := tx.Snapshot(exporter.AlertKey{Source: "dependabot", Repo: "a/b", Number: 1})
		if n, err := tx.Pending("s1"); ok || n != 0 || err != nil {
			t.Error("a failed transaction left a snapshot or a record behind")
		}
		return nil
	})
}

func TestSeen_MarkPrune(t *testing.T) {
	db, _ := openTemp(t)
	_ = db.Update(func(tx *Tx) error {
		_ = tx.MarkSeen("audit/org:acme", "d1", 1000)
		_ = tx.MarkSeen("audit/org:acme", "d2", 5000)
		n, err := tx.PruneSeen("audit/org:acme", 2000)
		if n != 1 || err != nil {
			t.Errorf("prune: %d %v", n, err)
		}
		if tx.Seen("audit/org:acme", "d1") || !tx.Seen("audit/org:acme", "d2") {
			t.Error("wrong ids kept")
		}
		return nil
	})
}

func TestOpen_SchemaMigration(t *testing.T) {
	db, path := openTemp(t)
	// pretend the file is from version 0
	_ = db.Update(func(tx *Tx) error { return tx.tx.Bucket(bucketMeta).Put(keySchema, u64(0)) })
	db.Close()
	ran := false
	db2, err := Open(path, Options{Migrations: []Migration{{From: 0, Fn: func(tx *Tx) error { ran = true; return nil }}}})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if v, _ := db2.SchemaVersion(); !ran || v != SchemaVersion {
		t.Fatalf("migration ran=%v version=%d", ran, v)
	}
	_ = db2.Update(func(tx *Tx) error { return tx.tx.Bucket(bucketMeta).Put(keySchema, u64(SchemaVersion+1)) })
	db2.Close()
	if _, err := Open(path, Options{}); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("newer file: %v", err)
	}
}

func TestSinkKV(t *testing.T) {
	db, _ := openTemp(t)
	if err := db.SinkUpdate("mail", func(b exporter.KV) error { return b.Put([]byte("p/1"), []byte("x")) }); err != nil {
		t.Fatal(err)
	}
	_ = db.SinkView("mail", func(b exporter.KV) error {
		n := 0
		_ = b.ForEach([]byte("p/"), func(k, v []byte) error { n++; return nil })
		if n != 1 || string(b.Get([]byte("p/1"))) != "x" {
			t.Error("sink kv roundtrip failed")
		}
		return nil
	})
	_ = db.SinkView("never-written", func(b exporter.KV) error {
		if b.Get([]byte("x")) != nil {
			t.Error("empty bucket returned data")
		}
		return nil
	})
}

func TestOutbox_CountsFailOnInvalidSinkName(t *testing.T) {
	db, _ := openTemp(t)
	_ = db.View(func(tx *Tx) error {
		if n, err := tx.Pending("never-used"); n != 0 || err != nil {
			t.Errorf("Pending of a sink without an outbox = %d, %v; want 0, nil", n, err)
		}
		if _, err := tx.Pending(""); err == nil {
			t.Error("Pending of an empty sink name did not fail")
		}
		if _, err := tx.DeadCount("a\x00b"); err == nil {
			t.Error("DeadCount of a name with NUL did not fail")
		}
		return nil
	})
}
