package file

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

func batch(n int, prefix string) []exporter.Record {
	out := make([]exporter.Record, n)
	for i := range out {
		out[i] = exporter.Record{Schema: 1, ID: prefix + strings.Repeat("0", 30) + string(rune('a'+i%26)), Category: "alert",
			Source: "dependabot", Action: "created", Origin: "poll", Repo: "acme/widgets", Time: time.Unix(0, 0).UTC(),
			Alert: &exporter.AlertInfo{Number: i + 1, State: "open", Title: strings.Repeat("x", 200)}}
	}
	return out
}

func lines(t *testing.T, path string) []exporter.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []exporter.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r exporter.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("torn or invalid line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func TestSink_Send_AppendsJSONLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.jsonl")
	cfg := DefaultConfig()
	cfg.Path = p
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := New(mustResolve(t, cfg), exporter.SinkDeps{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := s.Send(context.Background(), batch(4, "a")); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if got := len(lines(t, p)); got != 12 {
		t.Fatalf("%d lines, want 12", got)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode().Perm())
	}
}

func TestConfig_Validate(t *testing.T) {
	for _, c := range []Config{{Path: ""}, {Path: "-", Mode: "rw"}} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// Validate does not look at the file system; Resolve refuses a path whose
// directory does not exist, naming path.
func TestConfig_Resolve_MissingDirectory(t *testing.T) {
	c := Config{Path: "/nonexistent-dir/x.jsonl", Mode: "0640"}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate = %v, want nil", err)
	}
	_, err := c.Resolve()
	const want = `path: its directory does not exist (got "/nonexistent-dir/x.jsonl")`
	if !errors.Is(err, config.ErrUnreadable) || err.Error() != want {
		t.Fatalf("Resolve = %v, want ErrUnreadable %q", err, want)
	}
}

// mustResolve is cfg after the resolve step, which New builds from.
func mustResolve(t *testing.T, cfg Config) Resolved {
	t.Helper()
	r, err := cfg.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// "0999" once scanned as 0 and created a file nobody could open again.
func TestConfig_Validate_Mode(t *testing.T) {
	for _, m := range []string{"0999", "0000", "0400", "0200", "1777", "640 ", "", "-1", "0o640"} {
		c := Config{Path: "-", Mode: m}
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), "mode:") || !strings.Contains(err.Error(), fmt.Sprintf("%q", m)) {
			t.Errorf("mode %q: %v", m, err)
		}
	}
	for _, m := range []string{"0640", "600", "0666"} {
		c := Config{Path: "-", Mode: m}
		if err := c.Validate(); err != nil {
			t.Errorf("mode %q: %v", m, err)
		}
	}
}

// TestSink_Send_FullDiskRollsBack runs in a child process whose file-size
// limit plays a full disk: the write that does not fit fails retryably and
// leaves no torn line; earlier batches stay intact.
func TestSink_Send_FullDiskRollsBack(t *testing.T) {
	if os.Getenv("GHSEC_FSIZE_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestSink_Send_FullDiskRollsBack$", "-test.v")
		cmd.Env = append(os.Environ(), "GHSEC_FSIZE_CHILD="+filepath.Join(t.TempDir(), "out.jsonl"))
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS") {
			t.Fatalf("child failed: %v\n%s", err, out)
		}
		return
	}
	p := os.Getenv("GHSEC_FSIZE_CHILD")
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = 8 << 10
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Path = p
	s, err := New(mustResolve(t, cfg), exporter.SinkDeps{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sent := 0
	var sendErr error
	for i := 0; i < 100 && sendErr == nil; i++ {
		if sendErr = s.Send(context.Background(), batch(5, "b")); sendErr == nil {
			sent += 5
		}
	}
	if sendErr == nil {
		t.Fatal("the size limit never hit")
	}
	if de := exporter.Classify(sendErr); !de.Kind.Retried() || !errors.Is(sendErr, syscall.EFBIG) {
		t.Fatalf("a full disk must be a plain retryable error: %v", sendErr)
	}
	if got := len(lines(t, p)); got != sent {
		t.Fatalf("file holds %d records, want the %d delivered ones and no torn line", got, sent)
	}
}
