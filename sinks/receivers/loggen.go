package receivers

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// LoggenBin is syslog-ng's load generator, shipped in syslog-ng-core.
func LoggenBin() string { return filepath.Join(SyslogNGDir(), "usr/bin/loggen") }

var loggenRate = regexp.MustCompile(`average rate = ([0-9.]+) msg/sec, count=(\d+)`)

// Loggen sends n RFC 5424 messages of about size bytes, octet-counted, to
// addr over TCP or TLS with syslog-ng's loggen and returns the rate it
// reports (messages per second, sender side).
func Loggen(t testing.TB, addr string, tls bool, n, size int) float64 {
	t.Helper()
	rate, err := StartLoggen(t, addr, tls, n, "-P", "-s", strconv.Itoa(size)).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return rate
}

// StartLoggenReplay starts loggen sending the first n messages of file,
// written by a LoggenReplayWriter, to addr over TCP or TLS.
func StartLoggenReplay(t testing.TB, addr string, tls bool, file string, n int) *LoggenRun {
	t.Helper()
	// -d: send every line as it is, framing included; not -P, which would
	// parse the line and rebuild it with loggen's own timestamp and framing
	return StartLoggen(t, addr, tls, n, "-R", file, "-d")
}

// LoggenRun is a loggen process under way. It is killed at test cleanup if
// it is still running.
type LoggenRun struct {
	cmd  *exec.Cmd
	args []string
	n    int
	out  bytes.Buffer
	done chan struct{}
	err  error
}

// StartLoggen starts loggen sending n messages to addr (TCP or TLS); mode
// chooses what it sends (e.g. -P -s 1000: its own RFC 5424 messages).
func StartLoggen(t testing.TB, addr string, tls bool, n int, mode ...string) *LoggenRun {
	t.Helper()
	bin := testtools.NeedExec(t, LoggenBin())
	host, port, ok := strings.Cut(addr, ":")
	if !ok {
		t.Fatalf("loggen: bad address %q", addr)
	}
	args := []string{"-i", "-S"}
	if tls {
		args = []string{"-U"} // the ssl plugin; -S would activate a second one
	}
	args = append(args, mode...)
	// -I: loggen stops after 10 s by default, even short of -n messages
	args = append(args, "-r", "100000000", "-I", "86400", "-n", strconv.Itoa(n), host, port)
	r := &LoggenRun{cmd: exec.Command(bin, args...), args: args, n: n, done: make(chan struct{})}
	r.cmd.Env = append(os.Environ(), syslogNGEnv()...)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start loggen %v: %v", args, err)
	}
	go func() { r.err = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			_ = r.cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

// Wait waits for loggen to exit and returns the rate it reports (messages
// per second, sender side). loggen counts its run time in 0.5 s steps (it
// looks at its threads every 500 ms) and exits only at such a step, so the
// rate is a lower bound unless the run is long; time it at the receiver
// for a precise figure. Errors: loggen failed or sent other than n
// messages. Wait may be called from any goroutine.
func (r *LoggenRun) Wait() (float64, error) {
	<-r.done
	out := r.out.Bytes()
	if r.err != nil {
		return 0, fmt.Errorf("loggen %v: %w\n%s", r.args, r.err, out)
	}
	m := loggenRate.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("loggen printed no average rate:\n%s", out)
	}
	if got, _ := strconv.Atoi(string(m[2])); got != r.n {
		return 0, fmt.Errorf("loggen sent %d messages, want %d:\n%s", got, r.n, out)
	}
	rate, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		return 0, fmt.Errorf("loggen rate %q: %w", m[1], err)
	}
	return rate, nil
}

// loggenLineMax is loggen's message buffer (MAX_MESSAGE_LENGTH, 8 KiB)
// less its terminating NUL: a longer line would be sent in pieces.
const loggenLineMax = 8191

// LoggenReplayWriter writes syslog messages into a file for LoggenReplay.
// loggen reads the file line by line (fgets) and sends each line as it is,
// newline included; so every line is an RFC 6587 octet-counted frame whose
// count includes that newline, which syslog-ng strips from the message.
// The receiver gets the message bytes unchanged.
type LoggenReplayWriter struct {
	f *os.File
	w *bufio.Writer
	n int
}

// NewLoggenReplayWriter creates path.
func NewLoggenReplayWriter(path string) (*LoggenReplayWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create loggen replay file: %w", err)
	}
	return &LoggenReplayWriter{f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

// Write adds one message (without framing). Errors: a message with a
// newline, which would split the line, or one too long for loggen.
func (l *LoggenReplayWriter) Write(msg []byte) error {
	if i := bytes.IndexAny(msg, "\r\n"); i >= 0 {
		return fmt.Errorf("loggen replay: message %d has a line break at byte %d", l.n, i)
	}
	head := strconv.Itoa(len(msg)+1) + " "
	if len(head)+len(msg)+1 > loggenLineMax {
		return fmt.Errorf("loggen replay: message %d is %d bytes, loggen sends at most %d per line", l.n, len(msg), loggenLineMax)
	}
	l.w.WriteString(head)
	l.w.Write(msg)
	if err := l.w.WriteByte('\n'); err != nil {
		return fmt.Errorf("write loggen replay file: %w", err)
	}
	l.n++
	return nil
}

// Close flushes and closes the file.
func (l *LoggenReplayWriter) Close() error {
	err := l.w.Flush()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write loggen replay file: %w", err)
	}
	return nil
}

// CPU is the CPU time (user + system) loggen used; valid after Wait.
func (r *LoggenRun) CPU() time.Duration {
	<-r.done
	if r.cmd.ProcessState == nil {
		return 0
	}
	return r.cmd.ProcessState.UserTime() + r.cmd.ProcessState.SystemTime()
}
