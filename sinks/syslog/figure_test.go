package syslog

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/receivers"
)

// figureBatch is the delivery loop's default batch size.
const figureBatch = 500

// BenchmarkFigureSyslog is issue 13's syslog figure: N records
// (testtools.BenchSize) through the sink's Send, in batches of 500, over
// TCP to the strict syslog-ng receiver; then loggen replaying exactly the
// messages the sink produced, read from a file, to the same syslog-ng over
// TCP. Both rates are timed at the receiver, the same way: from the first
// to the last of the run's messages in syslog-ng's output file, polled
// every millisecond (so neither loggen's process start nor its 0.5 s run
// time steps count). ratio = the sink's msgs/s ÷ loggen's; goal ≥ 0.8.
//
// It fails when syslog-ng did not get exactly N messages from each run, or
// when what it got from either differs in one byte from the replay file, or
// on any parse error. syslog-ng's output files are emptied between runs.
//
//	GHSEC_BENCH_ALERTS=100000 go test -run '^$' -bench FigureSyslog -benchtime 1x ./sinks/syslog/
func BenchmarkFigureSyslog(b *testing.B) {
	n := testtools.BenchSize(2000)
	sng := receivers.StartSyslogNG(b)
	testtools.NeedExec(b, receivers.LoggenBin())
	cfg := DefaultConfig()
	cfg.Network, cfg.Address, cfg.Hostname = NetworkTCP, sng.TCPAddr, "exporter-host"
	replay := filepath.Join(b.TempDir(), "replay.txt")
	msgBytes := writeReplay(b, cfg, n, replay)
	out := &receiverOutput{sng: sng, parsed: &lineCounter{path: filepath.Join(sng.Dir, "parsed.jsonl")}}
	var sink, loggen runRate
	var loggenSays float64
	for b.Loop() {
		s := newTestSink(b, cfg)
		stream := newFigureStream()
		connect(b, s, stream.next(0, 1)) // dial outside the timing
		out.reset(b)
		sink = watchRun(b, out.parsed, n, sng.Proc, func() error {
			for sent := 0; sent < n; sent += figureBatch {
				if err := s.Send(context.Background(), stream.next(sent, min(figureBatch, n-sent))); err != nil {
					return err
				}
			}
			return nil
		})
		out.check(b, "the sink", n, replay)
		run := receivers.StartLoggenReplay(b, sng.TCPAddr, false, replay, n)
		loggen = watchRun(b, out.parsed, n, sng.Proc, func() (err error) {
			loggenSays, err = run.Wait()
			return err
		})
		out.check(b, "loggen", n, replay)
		_ = s.Close()
	}
	b.ReportMetric(sink.perSec/loggen.perSec, "ratio")
	b.ReportMetric(sink.perSec, "msgs/s")
	b.ReportMetric(loggen.perSec, "loggen_msgs/s")
	b.ReportMetric(sink.sendPerSec, "send_msgs/s")
	b.ReportMetric(loggenSays, "loggen_reported_msgs/s")
	b.ReportMetric(float64(msgBytes)/float64(n), "bytes/msg")
}

// figureStream makes the figure's records on demand, batch by batch, so
// that the benchmark holds one batch, not N records: the four sample kinds
// in turn, each with its own alert number and id.
type figureStream struct {
	kinds  []exporter.Record
	alerts []exporter.AlertInfo
	batch  []exporter.Record
}

func newFigureStream() *figureStream {
	recs := sampleRecords()
	s := &figureStream{alerts: make([]exporter.AlertInfo, figureBatch), batch: make([]exporter.Record, figureBatch)}
	for _, name := range sampleNames {
		s.kinds = append(s.kinds, recs[name])
	}
	return s
}

// next returns records first … first+n-1 (n ≤ figureBatch), valid until
// the next call.
func (s *figureStream) next(first, n int) []exporter.Record {
	for j := range n {
		i := first + j
		r := s.kinds[i%len(s.kinds)]
		if r.Alert != nil {
			s.alerts[j] = *r.Alert
			s.alerts[j].Number = i + 1
			r.Alert = &s.alerts[j]
		}
		// as long as a real id (32 hex digits), unique per record
		r.ID = fmt.Sprintf("%s%08x", r.ID[:24], i)
		s.batch[j] = r
	}
	return s.batch[:n]
}

// writeReplay renders the figure's n records with the sink's own render
// (what Send writes) and writes the messages to path for loggen. It
// returns the messages' total size, framing excluded.
func writeReplay(b *testing.B, cfg Config, n int, path string) (msgBytes int) {
	b.Helper()
	w, err := receivers.NewLoggenReplayWriter(path)
	if err != nil {
		b.Fatal(err)
	}
	s := newTestSink(b, cfg)
	stream := newFigureStream()
	for sent := 0; sent < n; sent += figureBatch {
		if rejected, err := s.render(stream.next(sent, min(figureBatch, n-sent))); len(rejected) > 0 {
			b.Fatalf("render: %v", err)
		}
		for out := s.out; len(out) > 0; {
			msg, rest, err := splitOctetCounted(out)
			if err != nil {
				b.Fatal(err)
			}
			if err := w.Write(msg); err != nil {
				b.Fatal(err)
			}
			msgBytes += len(msg)
			out = rest
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return msgBytes
}

// splitOctetCounted returns the first message of RFC 6587 octet-counted
// frames and the frames after it.
func splitOctetCounted(out []byte) (msg, rest []byte, err error) {
	head, body, ok := bytes.Cut(out, []byte{' '})
	size, perr := strconv.Atoi(string(head))
	if !ok || perr != nil || size > len(body) {
		return nil, nil, fmt.Errorf("bad octet-counted frame at %q", out[:min(len(out), 20)])
	}
	return body[:size], body[size:], nil
}

// runRate is one run's rate at the receiver, and its sender's own.
type runRate struct{ perSec, sendPerSec float64 }

// watchRun runs send in a goroutine and polls the receiver's output until it
// holds n lines. perSec counts from the first poll that saw any of the
// run's messages to the one that saw the last; sendPerSec is n over the time
// send took.
func watchRun(b *testing.B, out *lineCounter, n int, p *receivers.Proc, send func() error) runRate {
	b.Helper()
	start := time.Now()
	var sendTook time.Duration
	errc := make(chan error, 1)
	go func() { err := send(); sendTook = time.Since(start); errc <- err }()
	var first, last time.Time
	firstCount := 0
	deadline := start.Add(10 * time.Minute)
	for {
		got := out.count(b)
		now := time.Now()
		if got > 0 && first.IsZero() {
			first, firstCount = now, got
		}
		if got >= n {
			last = now
			break
		}
		if now.After(deadline) {
			b.Fatalf("receiver has %d of %d messages after %s\n%s", got, n, now.Sub(start), p.Log())
		}
		select {
		case err := <-errc:
			if err != nil {
				b.Fatal(err)
			}
			errc <- nil // seen: keep it for the final receive
		default:
		}
		time.Sleep(time.Millisecond)
	}
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	r := runRate{sendPerSec: float64(n) / sendTook.Seconds()}
	if span := last.Sub(first); n > firstCount && span > 0 {
		r.perSec = float64(n-firstCount) / span.Seconds()
	} else { // everything arrived between two polls (tiny N)
		r.perSec = float64(n) / last.Sub(start).Seconds()
	}
	return r
}

// receiverOutput is syslog-ng's output files, emptied before each run: a
// run then starts without the previous one's dirty pages to write back
// (a 1M run writes gigabytes), and the disk holds one run at a time.
type receiverOutput struct {
	sng    *receivers.SyslogNG
	parsed *lineCounter
}

// reset waits until syslog-ng has written everything, then empties its
// output files (it appends: writes go on at the new end).
func (o *receiverOutput) reset(b *testing.B) {
	b.Helper()
	o.parsed.waitStable(b)
	for _, name := range []string{"parsed.jsonl", "raw.log"} {
		if err := os.Truncate(filepath.Join(o.sng.Dir, name), 0); err != nil && !os.IsNotExist(err) {
			b.Fatal(err)
		}
	}
	o.parsed.off, o.parsed.lines = 0, 0
}

// check fails unless syslog-ng got exactly the replay file's n messages from
// who, byte for byte and without a parse error; then it resets.
func (o *receiverOutput) check(b *testing.B, who string, n int, replay string) {
	b.Helper()
	if got := o.parsed.waitStable(b); got != n {
		b.Fatalf("syslog-ng has %d messages from %s, want %d", got, who, n)
	}
	if errs := o.sng.Errors(b); len(errs) > 0 {
		b.Fatalf("syslog-ng errors on the messages from %s: %v", who, errs)
	}
	raw := openLines(b, filepath.Join(o.sng.Dir, "raw.log"))
	want := openLines(b, replay)
	for i := range n {
		got := raw.line(b)
		_, msg, _ := bytes.Cut(want.line(b), []byte{' '})
		if !bytes.Equal(got, msg) {
			b.Fatalf("message %d from %s as syslog-ng got it:\n%q\nwant\n%q", i, who, got, msg)
		}
	}
	raw.close()
	want.close()
	o.reset(b)
}

type lines struct {
	path string
	f    *os.File
	r    *bufio.Reader
}

func openLines(b *testing.B, path string) *lines {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return &lines{path: path, f: f, r: bufio.NewReaderSize(f, 1<<16)}
}

func (l *lines) close() { l.f.Close() }

// line returns the next line without its newline, valid until the next call.
func (l *lines) line(b *testing.B) []byte {
	s, err := l.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull || err == io.EOF {
		b.Fatalf("%s: line too long or missing (%v)", l.path, err)
	}
	if err != nil {
		b.Fatal(err)
	}
	return s[:len(s)-1]
}
