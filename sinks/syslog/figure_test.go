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
	"syscall"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// figureBatch is the delivery loop's default batch size.
const figureBatch = 500

// figureRounds is how many parts the N records are sent in, alternately
// by the sink and by loggen (sink, loggen, loggen, sink, …), so that a
// change of load on a shared machine weighs on both alike.
const figureRounds = 4

// BenchmarkFigureSyslog is issue 13's syslog figure: N records
// (testtools.BenchSize) through the sink's Send, in batches of 500, over
// TCP to the strict syslog-ng receiver, and loggen replaying exactly the
// messages the sink produced, read from a file, to the same syslog-ng over
// TCP; in figureRounds parts, alternating. Both rates are timed at the
// receiver, the same way: from the first to the last of a part's messages
// in syslog-ng's output file, polled every millisecond (so neither loggen's
// process start nor its 0.5 s run time steps count). ratio = the sink's
// msgs/s ÷ loggen's; goal ≥ 0.8.
//
// It fails when syslog-ng did not get exactly a part's messages from each
// sender, or when what it got differs in one byte from the replay file, or
// on any parse error. syslog-ng's output files are emptied between parts.
//
//	GHSEC_BENCH_ALERTS=100000 go test -run '^$' -bench FigureSyslog -benchtime 1x ./sinks/syslog/
func BenchmarkFigureSyslog(b *testing.B) {
	n := testtools.BenchSize(2000)
	sng := receivers.StartSyslogNG(b)
	testtools.NeedExec(b, receivers.LoggenBin())
	cfg := DefaultConfig()
	cfg.Network, cfg.Address, cfg.Hostname = NetworkTCP, sng.TCPAddr, "exporter-host"
	dir := b.TempDir()
	var parts []figurePart
	msgBytes := 0
	size := (n + figureRounds - 1) / figureRounds
	size = (size + figureBatch - 1) / figureBatch * figureBatch
	for first := 0; first < n; first += size {
		p := figurePart{first: first, n: min(size, n-first), replay: filepath.Join(dir, fmt.Sprintf("replay-%d.txt", len(parts)))}
		msgBytes += writeReplay(b, cfg, p, p.replay)
		parts = append(parts, p)
	}
	out := &receiverOutput{sng: sng, parsed: &lineCounter{path: filepath.Join(sng.Dir, "parsed.jsonl")}}
	var sink, loggen, loggenSays rates
	for b.Loop() {
		sink, loggen, loggenSays = rates{}, rates{}, rates{}
		s := newTestSink(b, cfg)
		stream := newFigureStream()
		connect(b, s, stream.next(0, 1)) // dial outside the timing
		out.reset(b, 1)
		bySink := func(p figurePart) {
			sink.add(watchRun(b, out.parsed, p.n, sng.Proc, func() error {
				for sent := p.first; sent < p.first+p.n; sent += figureBatch {
					if err := s.Send(context.Background(), stream.next(sent, min(figureBatch, p.first+p.n-sent))); err != nil {
						return err
					}
				}
				return nil
			}))
			out.check(b, "the sink", p)
		}
		byLoggen := func(p figurePart) {
			run := receivers.StartLoggenReplay(b, sng.TCPAddr, false, p.replay, p.n)
			r := watchRun(b, out.parsed, p.n, sng.Proc, func() error {
				rate, err := run.Wait()
				loggenSays.addRate(p.n, rate)
				return err
			})
			r.senderCPU = run.CPU()
			loggen.add(r)
			out.check(b, "loggen", p)
		}
		for i, p := range parts {
			if i%2 == 0 {
				bySink(p)
				byLoggen(p)
			} else {
				byLoggen(p)
				bySink(p)
			}
		}
		_ = s.Close()
	}
	b.ReportMetric(sink.perSec()/loggen.perSec(), "ratio")
	b.ReportMetric(sink.perSec(), "msgs/s")
	b.ReportMetric(loggen.perSec(), "loggen_msgs/s")
	b.ReportMetric(sink.sendPerSec(), "send_msgs/s")
	b.ReportMetric(loggenSays.sendPerSec(), "loggen_reported_msgs/s")
	b.ReportMetric(float64(msgBytes)/float64(n), "bytes/msg")
	// what each side spent per message: syslog-ng on the sink's messages and
	// on loggen's; the sink (this process less what it spends polling
	// during loggen's runs) and loggen
	b.ReportMetric(sink.recvCPUPerMsg(), "syslogng_us/msg")
	b.ReportMetric(loggen.recvCPUPerMsg(), "syslogng_loggen_us/msg")
	b.ReportMetric(float64((sink.selfCPU-loggen.selfCPU).Microseconds())/float64(sink.sent), "sink_us/msg")
	b.ReportMetric(float64(loggen.senderCPU.Microseconds())/float64(loggen.sent), "loggen_us/msg")
}

// figurePart is records first … first+n-1 and the file with their messages.
type figurePart struct {
	first, n int
	replay   string
}

// rates sums the parts' timings and CPU times.
type rates struct {
	counted, sent int           // messages timed at the receiver; sent
	span, send    time.Duration // their time at the receiver; sending time
	// CPU time of syslog-ng, of this process and of the sender (loggen)
	recvCPU, selfCPU, senderCPU time.Duration
}

func (r *rates) add(o rates) {
	r.counted, r.sent, r.span, r.send = r.counted+o.counted, r.sent+o.sent, r.span+o.span, r.send+o.send
	r.recvCPU, r.selfCPU, r.senderCPU = r.recvCPU+o.recvCPU, r.selfCPU+o.selfCPU, r.senderCPU+o.senderCPU
}

func (r rates) recvCPUPerMsg() float64 { return float64(r.recvCPU.Microseconds()) / float64(r.sent) }

// addRate adds n messages sent at perSec.
func (r *rates) addRate(n int, perSec float64) {
	r.add(rates{sent: n, send: time.Duration(float64(n) / perSec * float64(time.Second))})
}

func (r rates) perSec() float64     { return float64(r.counted) / r.span.Seconds() }
func (r rates) sendPerSec() float64 { return float64(r.sent) / r.send.Seconds() }

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

// writeReplay renders the part's records with the sink's own render (what
// Send writes), in the same batches, and writes the messages to path for
// loggen. It returns the messages' total size, framing excluded.
func writeReplay(b *testing.B, cfg Config, p figurePart, path string) (msgBytes int) {
	b.Helper()
	w, err := receivers.NewLoggenReplayWriter(path)
	if err != nil {
		b.Fatal(err)
	}
	s := newTestSink(b, cfg)
	stream := newFigureStream()
	for sent := p.first; sent < p.first+p.n; sent += figureBatch {
		if rejected, err := s.render(stream.next(sent, min(figureBatch, p.first+p.n-sent))); len(rejected) > 0 {
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

// watchRun runs send in a goroutine and polls the receiver's output until it
// holds n lines. The messages counted are those after the first poll that
// saw any, timed from that poll to the one that saw the last; send is the
// time send took.
func watchRun(b *testing.B, out *lineCounter, n int, p *receivers.Proc, send func() error) rates {
	b.Helper()
	recv0, self0 := procCPU(b, p), selfCPU(b)
	start := time.Now()
	var sendTook time.Duration
	errc := make(chan error, 1)
	go func() { err := send(); sendTook = time.Since(start); errc <- err }()
	var first, last time.Time
	firstCount := 0
	deadline := start.Add(10 * time.Minute)
	// syslog-ng offers no event for a message written: its output file is
	// polled, every millisecond, to time the first and the last
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
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
		<-tick.C
	}
	r := rates{sent: n, send: sendTook, counted: n - firstCount, span: last.Sub(first),
		recvCPU: procCPU(b, p) - recv0, selfCPU: selfCPU(b) - self0}
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	if r.counted == 0 || r.span <= 0 { // everything arrived between two polls (tiny N)
		r.counted, r.span = n, last.Sub(start)
	}
	return r
}

func procCPU(b *testing.B, p *receivers.Proc) time.Duration {
	d, err := p.CPU()
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// selfCPU is this process's CPU time, user and system.
func selfCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// receiverOutput is syslog-ng's output files, emptied before each run: a
// run then starts without the previous one's dirty pages to write back
// (a 1M run writes gigabytes), and the disk holds one run at a time.
type receiverOutput struct {
	sng    *receivers.SyslogNG
	parsed *lineCounter
}

// reset waits until syslog-ng has written the n messages it was sent, then
// empties its output files (it appends: writes go on at the new end).
func (o *receiverOutput) reset(b *testing.B, n int) {
	b.Helper()
	o.parsed.waitFor(b, n, o.sng.Proc)
	for _, name := range []string{"parsed.jsonl", "raw.log"} {
		if err := os.Truncate(filepath.Join(o.sng.Dir, name), 0); err != nil && !os.IsNotExist(err) {
			b.Fatal(err)
		}
	}
	o.parsed.off, o.parsed.lines = 0, 0
}

// check fails unless syslog-ng got exactly the part's messages from who,
// byte for byte and without a parse error; then it resets.
func (o *receiverOutput) check(b *testing.B, who string, p figurePart) {
	b.Helper()
	o.parsed.waitFor(b, p.n, o.sng.Proc)
	if got := o.parsed.count(b); got != p.n {
		b.Fatalf("syslog-ng has %d messages from %s, want %d (records %d…)", got, who, p.n, p.first)
	}
	if errs := o.sng.Errors(b); len(errs) > 0 {
		b.Fatalf("syslog-ng errors on the messages from %s: %v", who, errs)
	}
	raw := openLines(b, filepath.Join(o.sng.Dir, "raw.log"))
	want := openLines(b, p.replay)
	for i := range p.n {
		got := raw.line(b)
		_, msg, _ := bytes.Cut(want.line(b), []byte{' '})
		if !bytes.Equal(got, msg) {
			b.Fatalf("message %d from %s as syslog-ng got it:\n%q\nwant\n%q", p.first+i, who, got, msg)
		}
	}
	raw.close()
	want.close()
	o.reset(b, p.n)
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
