package syslog

import (
	"context"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// BenchmarkFormat measures rendering one record (the mapper alone, no I/O):
// ns and allocations per message. rfc5424_json_go-syslog is the same
// message made by go-syslog's builder (the former formatter, kept as the
// tests' reference), for a side-by-side comparison.
func BenchmarkFormat(b *testing.B) {
	rec := sampleRecords()["dependabot_dismissed"]
	b.Run("rfc5424_json_go-syslog", func(b *testing.B) {
		f := testFormatter(b, nil)
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			body, err := f.renderBody(&rec)
			if err != nil {
				b.Fatal(err)
			}
			if buf, err = builderRFC5424(f, buf[:0], &rec, body); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(buf)))
	})
	for _, v := range variants[:4] {
		b.Run(v.name, func(b *testing.B) {
			f := testFormatter(b, v.mut)
			buf, err := f.appendMessage(nil, &rec)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				if buf, err = f.appendMessage(buf[:0], &rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSyslogNG sends b.N messages (RFC 5424, JSON body, octet-counted)
// in batches of 500 to a real syslog-ng over TCP and TLS, then has
// syslog-ng's own load generator, loggen, send as many messages of the same
// size to the same receiver. Both rates are sender-side messages per second
// (loggen's "average rate"); vs_loggen is the sink's rate over loggen's.
// loggen's figure is rounded down by up to 0.5 s of run time, so it is a
// lower bound and vs_loggen an upper one.
//
//	go test -run '^$' -bench SyslogNG -benchtime 20000x ./sinks/syslog/
func BenchmarkSyslogNG(b *testing.B) {
	sng := receivers.StartSyslogNG(b)
	testtools.NeedExec(b, receivers.LoggenBin())
	for _, network := range []string{NetworkTCP, NetworkTLS} {
		b.Run(network, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Network, cfg.Address, cfg.Hostname = network, sng.TCPAddr, "exporter-host"
			if network == NetworkTLS {
				cfg.Address, cfg.CAFile = sng.TLSAddr, sng.CAFile
			}
			s := newTestSink(b, cfg)
			batch := benchBatch()
			size := avgMessageSize(b, batch)
			connect(b, s, batch)
			elapsed := sendN(b, s, batch)
			b.StopTimer()
			rate := float64(b.N) / elapsed.Seconds()
			b.ReportMetric(rate, "msgs/s")
			b.ReportMetric(float64(size), "bytes/msg")
			if b.N < 1000 {
				return // the benchmark's probe run: no loggen comparison
			}
			// loggen measures its run time in 0.5 s steps (it polls its
			// threads every 500 ms), so give it at least 100,000 messages.
			loggen := receivers.Loggen(b, cfg.Address, network == NetworkTLS, max(b.N, 100000), size)
			b.ReportMetric(loggen, "loggen_msgs/s")
			b.ReportMetric(rate/loggen, "vs_loggen")
		})
	}
	if errs := sng.Errors(b); len(errs) > 0 {
		b.Errorf("syslog-ng errors: %v", errs)
	}
}

func avgMessageSize(b *testing.B, batch []exporter.Record) int {
	f := testFormatter(b, nil)
	total := 0
	for i := range batch {
		m, err := f.appendMessage(nil, &batch[i])
		if err != nil {
			b.Fatal(err)
		}
		total += len(m)
	}
	return total / len(batch)
}

// benchBatch is a batch of 500 realistic records, as the delivery loop sends.
func benchBatch() []exporter.Record {
	recs := sampleRecords()
	batch := make([]exporter.Record, 500)
	for i := range batch {
		batch[i] = recs[sampleNames[i%len(sampleNames)]]
	}
	return batch
}

// connect sends one record so the dial and handshake stay outside the timing.
func connect(b *testing.B, s *Sink, batch []exporter.Record) {
	b.Helper()
	if err := s.Send(context.Background(), batch[:1]); err != nil {
		b.Fatal(err)
	}
}

// sendN resets the timer, sends b.N records in batches and returns how long
// the sends took.
func sendN(b *testing.B, s *Sink, batch []exporter.Record) time.Duration {
	b.Helper()
	b.ResetTimer()
	start := time.Now()
	for sent := 0; sent < b.N; {
		n := min(len(batch), b.N-sent)
		if err := s.Send(context.Background(), batch[:n]); err != nil {
			b.Fatal(err)
		}
		sent += n
	}
	return time.Since(start)
}
