package file

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

func openSink(t *testing.T, p string) *Sink {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Path = p
	s, err := New(mustResolve(t, cfg), exporter.SinkDeps{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNew_RepairsTail(t *testing.T) {
	good := `{"schema":1,"id":"a"}` + "\n"
	bigTorn := `{"schema":1,"id":"b","alert":{"title":"` + strings.Repeat("x", 3*tailChunk)
	tests := []struct {
		name, before, want string
	}{
		{"empty", "", ""},
		{"whole lines", good + good, good + good},
		{"torn record", good + `{"schema":1,"id":"b","ti`, good},
		{"torn after two bytes", good + `{"`, good},
		{"torn record larger than a read chunk", good + bigTorn, good},
		{"only a torn record", `{"schema":1,"id`, ""},
		{"foreign unterminated line is kept", good + "written by someone else", good + "written by someone else\n"},
		{"foreign file without newline is kept", "header", "header\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "out.jsonl")
			if err := os.WriteFile(p, []byte(tt.before), 0o640); err != nil {
				t.Fatal(err)
			}
			openSink(t, p).Close()
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("file after open:\n%.200q\nwant\n%.200q", b, tt.want)
			}
		})
	}
}

// A foreign line, then our records: each of ours is valid JSON on its own line.
func TestNew_ForeignTailThenRecords(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.jsonl")
	if err := os.WriteFile(p, []byte("# not ours"), 0o640); err != nil {
		t.Fatal(err)
	}
	s := openSink(t, p)
	if err := s.Send(context.Background(), batch(3, "f")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	b, _ := os.ReadFile(p)
	rest, ok := strings.CutPrefix(string(b), "# not ours\n")
	if !ok {
		t.Fatalf("foreign line lost: %.100q", b)
	}
	if err := os.WriteFile(p, []byte(rest), 0o640); err != nil {
		t.Fatal(err)
	}
	if got := len(lines(t, p)); got != 3 {
		t.Fatalf("%d records, want 3", got)
	}
}

// A FIFO cannot be seeked or truncated; the sink writes to it like stdout.
func TestNew_FIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := mkfifo(p); err != nil {
		t.Fatal(err)
	}
	r, err := os.OpenFile(p, os.O_RDWR, 0) // keeps the FIFO open for the writer
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s := openSink(t, p)
	defer s.Close()
	if err := s.Send(context.Background(), batch(1, "p")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(recordPrefix))
	if _, err := r.Read(buf); err != nil || string(buf) != recordPrefix {
		t.Fatalf("read %q %v", buf, err)
	}
}

func mkfifo(p string) error { return syscall.Mkfifo(p, 0o600) }
