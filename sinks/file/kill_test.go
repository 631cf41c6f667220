package file

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// killChildEnv names the file a re-executed test binary writes big batches
// to until it is killed.
const killChildEnv = "GHSEC_FILE_KILL_CHILD"

// bigBatch makes one write of about 20 MB, long enough to be killed in, of
// few records so encoding it is quick.
func bigBatch() []exporter.Record {
	b := batch(2000, "k")
	for i := range b {
		b[i].Alert.Title = strings.Repeat("x", 10000)
	}
	return b
}

// TestSink_KillMidWrite_NoTornLine SIGKILLs a process in the middle of
// writing a large batch, then reopens the file as a restarted daemon would
// and sends the next batch: every line must be a whole record. The parent
// kills the child when the file grows past a whole batch's worth of bytes,
// i.e. while a write is in progress.
func TestSink_KillMidWrite_NoTornLine(t *testing.T) {
	if p := os.Getenv(killChildEnv); p != "" {
		s := openSink(t, p)
		big := bigBatch()
		for {
			if err := s.Send(context.Background(), big); err != nil {
				t.Fatal(err)
			}
		}
	}
	p := filepath.Join(t.TempDir(), "out.jsonl")
	const tries = 5
	for try := 1; ; try++ {
		killMidWrite(t, p)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			t.Logf("killed mid-write on try %d, %d bytes", try, len(b))
			break // torn, as wanted
		}
		if try == tries {
			t.Fatalf("%d kills all landed between two writes", tries)
		}
	}
	s := openSink(t, p)
	if err := s.Send(context.Background(), batch(3, "after")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	recs := lines(t, p) // fails on a torn or glued line
	if len(recs) < 3 || !strings.HasPrefix(recs[len(recs)-1].ID, "after") {
		t.Fatalf("%d records; the batch sent after the restart is not last", len(recs))
	}
}

// killMidWrite starts the child on p and SIGKILLs it once p grew past one
// tenth more than one whole batch, so a write is under way.
func killMidWrite(t *testing.T, p string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestSink_KillMidWrite_NoTornLine$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+p)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var start int64
	if st, err := os.Stat(p); err == nil {
		start = st.Size()
	}
	var one bytes.Buffer
	if err := NewWriter(&one).Send(context.Background(), bigBatch()); err != nil {
		t.Fatal(err)
	}
	threshold := start + int64(one.Len())*11/10
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			t.Fatalf("child exited before it was killed: %v\n%s", err, stderr.String())
		case <-tick.C:
		}
		if st, err := os.Stat(p); err == nil && st.Size() > threshold {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
}
