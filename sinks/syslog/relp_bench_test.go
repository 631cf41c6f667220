package syslog

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// BenchmarkRsyslog sends b.N messages (RFC 5424, JSON body) in batches of
// 500 to a real rsyslog over RELP (relp_window 128), RELP over TLS, and,
// for comparison, plain TCP and TLS. msgs/s is the sender's rate: Send
// returned nil, which on relp means rsyslog acknowledged every message and
// on tcp/tls only that the kernel took the bytes. recv_msgs/s counts until
// rsyslog has written all b.N messages to its output file, the end-to-end
// rate of both.
//
//	go test -run '^$' -bench Rsyslog -benchtime 20000x ./sinks/syslog/
func BenchmarkRsyslog(b *testing.B) {
	receivers.NeedRELP(b)
	r := receivers.StartRsyslog(b)
	out := &lineCounter{path: filepath.Join(r.Dir, "parsed.jsonl")}
	written := 0 // lines rsyslog has been sent so far, over every run
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
	}{
		{"relp", func(c *Config) { c.Network, c.Address = NetworkRELP, r.RELPAddr }},
		{"tcp", func(c *Config) { c.Network, c.Address = NetworkTCP, r.TCPAddr }},
		{"relp-tls", func(c *Config) { c.Network, c.Address, c.TLS, c.CAFile = NetworkRELP, r.RELPTLSAddr, true, r.CAFile }},
		{"tls", func(c *Config) { c.Network, c.Address, c.CAFile = NetworkTLS, r.TLSAddr, r.CAFile }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Hostname = "exporter-host"
			tc.cfg(&cfg)
			s := newTestSink(b, cfg)
			batch := benchBatch()
			connect(b, s, batch)
			written++
			out.waitFor(b, written, r.Proc)
			start := time.Now()
			sendDone := sendN(b, s, batch)
			written += b.N
			out.waitFor(b, written, r.Proc)
			recvDone := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/sendDone.Seconds(), "msgs/s")
			b.ReportMetric(float64(b.N)/recvDone.Seconds(), "recv_msgs/s")
			b.ReportMetric(float64(avgMessageSize(b, batch)), "bytes/msg")
		})
	}
}

// lineCounter counts the lines of a file that is being appended to,
// reading only what was added since the last look.
type lineCounter struct {
	path  string
	off   int64
	lines int
	buf   []byte
}

func (c *lineCounter) count(b *testing.B) int {
	f, err := os.Open(c.path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if c.buf == nil {
		c.buf = make([]byte, 1<<20)
	}
	for {
		n, err := f.ReadAt(c.buf, c.off)
		c.lines += bytes.Count(c.buf[:n], []byte{'\n'})
		c.off += int64(n)
		if err == io.EOF || n == 0 {
			return c.lines
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// waitFor waits until the file has n lines.
func (c *lineCounter) waitFor(b *testing.B, n int, p *receivers.Proc) {
	deadline := time.Now().Add(5 * time.Minute)
	for c.count(b) < n {
		if time.Now().After(deadline) {
			b.Fatalf("receiver wrote %d lines, want %d\n%s", c.lines, n, p.Log())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// BenchmarkRELPClient is the client alone: an in-process server that
// answers every message at once, in batches of 500 with the default window.
// Against rsyslog the receiver sets the pace; this is the client's ceiling.
//
//	go test -run '^$' -bench RELPClient ./sinks/syslog/
func BenchmarkRELPClient(b *testing.B) {
	s := relpTestSink(b, fakeRELP(b, serveAll), 0)
	recs := sampleRecords()
	batch := make([]exporter.Record, 500)
	for i := range batch {
		batch[i] = recs[sampleNames[i%len(sampleNames)]]
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for sent := 0; sent < b.N; {
		n := min(len(batch), b.N-sent)
		if err := s.Send(ctx, batch[:n]); err != nil {
			b.Fatal(err)
		}
		sent += n
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
