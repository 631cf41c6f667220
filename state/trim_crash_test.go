package state

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var trimSteps = []string{trimCopy, trimSync, trimRename, trimDirSync, trimClose}

// probeLocked fails t unless another open of path is refused: the lock
// must never lapse during a trim.
func probeLocked(t *testing.T, path, step string) {
	t.Helper()
	other, err := Open(path, Options{Timeout: time.Nanosecond})
	if err == nil {
		other.Close()
		t.Errorf("before step %s: another open of %s got the file", step, path)
	} else if !errors.Is(err, ErrLocked) {
		t.Errorf("before step %s: another open failed with %v, want ErrLocked", step, err)
	}
}

// trimTestFile is a file with snapshots, cursors, seen ids, sink data,
// dead letters and a drained outbox, so a trim has free pages to drop.
func trimTestFile(t *testing.T, path string) {
	t.Helper()
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	fillRandom(t, db, 7, 10)
	drainedFile(t, db, 1500, 0)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// A failure at any step leaves the contents as they were, the lock held
// throughout, and no copy behind; before the rename the DB stays on its
// old file, after it on the new one.
func TestTrim_FailureAtEachStep(t *testing.T) {
	for _, failAt := range trimSteps {
		t.Run(failAt, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			trimTestFile(t, path)
			db, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			want := dump(t, db)
			before, _ := os.Stat(path)
			injected := errors.New("injected failure")
			db.trimStep = func(step string) error {
				probeLocked(t, path, step)
				if step == failAt {
					return injected
				}
				return nil
			}
			res, err := db.Trim(TrimPolicy{})
			if !errors.Is(err, injected) || !strings.Contains(err.Error(), path) {
				t.Fatalf("trim failing at %s: %v; want the injected error naming the file", failAt, err)
			}
			renamed := failAt == trimDirSync || failAt == trimClose
			if res.Trimmed != renamed {
				t.Fatalf("Trimmed = %v after a failure at %s", res.Trimmed, failAt)
			}
			now, _ := os.Stat(path)
			if os.SameFile(before, now) == renamed {
				t.Fatalf("after a failure at %s the file at path is the old one: %v", failAt, !renamed)
			}
			if _, err := os.Stat(CompactPath(path)); !os.IsNotExist(err) {
				t.Fatalf("copy left behind: %v", err)
			}
			if got := dump(t, db); !reflect.DeepEqual(got, want) {
				t.Fatal("a failed trim changed the contents")
			}
			if failAt == trimDirSync {
				// No commit while the new name may not be durable.
				if err := db.Update(func(tx *Tx) error { return tx.Append("hec", rec("x")) }); !errors.Is(err, injected) {
					t.Fatalf("update while the directory fsync fails: %v", err)
				}
			}
			db.trimStep = nil
			pending, dead := counts(t, db)
			if err := db.Update(func(tx *Tx) error { return tx.Append("hec", rec("after")) }); err != nil {
				t.Fatal(err)
			}
			probeLocked(t, path, "after")
			db.Close()
			db2, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			wantCounts(t, db2, "hec", pending+1, dead)
		})
	}
}

func counts(t *testing.T, db *DB) (pending, dead int) {
	t.Helper()
	if err := db.View(func(tx *Tx) (err error) {
		if pending, err = tx.Pending("hec"); err == nil {
			dead, err = tx.DeadCount("hec")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return pending, dead
}

// TestMain runs the helper process of TestTrim_KilledAtEachStep when the
// environment names a file: it trims the file and exits at the step named,
// with no cleanup at all.
func TestMain(m *testing.M) {
	path, killAt := os.Getenv("GHSEC_TRIM_KILL_PATH"), os.Getenv("GHSEC_TRIM_KILL_AT")
	if path == "" {
		os.Exit(m.Run())
	}
	db, err := Open(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	db.trimStep = func(step string) error {
		if step == killAt {
			os.Exit(3)
		}
		return nil
	}
	if _, err := db.Trim(TrimPolicy{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(3) // killAt "end": the trim is done, the file never closed
}

// A process killed at any step of a trim leaves a complete file under
// path, old or new, with the same contents; the next Open removes the copy.
func TestTrim_KilledAtEachStep(t *testing.T) {
	for _, killAt := range append(append([]string(nil), trimSteps...), "end") {
		t.Run(killAt, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			trimTestFile(t, path)
			db, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := dump(t, db)
			db.Close()
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "GHSEC_TRIM_KILL_PATH="+path, "GHSEC_TRIM_KILL_AT="+killAt)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("helper: %v\n%s", err, out)
			}
			db, err = Open(path, Options{})
			if err != nil {
				t.Fatalf("open after a kill at %s: %v", killAt, err)
			}
			defer db.Close()
			if got := dump(t, db); !reflect.DeepEqual(got, want) {
				t.Fatalf("after a kill at %s the contents differ", killAt)
			}
			if _, err := os.Stat(CompactPath(path)); !os.IsNotExist(err) {
				t.Fatalf("copy left after the next open: %v", err)
			}
		})
	}
}

// A process waiting for the lock while a trim renames the new file over
// the name gets the lock of the replaced file when the trim's process
// closes it; it must open the name again instead of using a file no name
// leads to.
func TestOpen_WaiterOfReplacedFileOpensTheNewOne(t *testing.T) {
	db, path := openTemp(t)
	waiting := make(chan struct{})
	openedForLock = func(string) {
		select {
		case <-waiting:
		default:
			close(waiting)
		}
	}
	defer func() { openedForLock = nil }()
	type opened struct {
		db  *DB
		err error
	}
	done := make(chan opened, 1)
	go func() {
		o, err := Open(path, Options{Timeout: time.Minute})
		done <- opened{o, err}
	}()
	<-waiting
	if _, err := db.Trim(TrimPolicy{}); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *Tx) error { return tx.PutCursor("after-trim", []byte("1")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	o := <-done
	if o.err != nil {
		t.Fatal(o.err)
	}
	defer o.db.Close()
	_ = o.db.View(func(tx *Tx) error {
		if got := tx.Cursor("after-trim"); string(got) != "1" {
			t.Errorf("the waiter opened the replaced file: cursor %q (%s)", got, fmt.Sprint(path))
		}
		return nil
	})
}
