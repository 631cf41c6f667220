package syslog

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

// testLogger sends the sink's logs to t.Log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func newTestSink(t testing.TB, cfg Config) *Sink {
	t.Helper()
	if cfg.Hostname == "" {
		cfg.Hostname = "exporter-host"
	}
	return sinktest.Build(t, cfg, New, exporter.SinkDeps{Name: "test", Logger: testLogger(t), Version: "1.2.3", Now: time.Now})
}

// sendUntilDelivered is the delivery loop in miniature: Send until nil,
// failing on a non-retryable error. It returns the number of attempts.
// Its callers' receivers are up (a Restart returns once the receiver
// accepts connections), so a failed Send is the dead connection a restart
// left, and the next one reconnects: it retries at once, a few times,
// instead of backing off for a while.
func sendUntilDelivered(t testing.TB, s *Sink, batch []exporter.Record) int {
	t.Helper()
	const attempts = 5
	var err error
	for attempt := 1; attempt <= attempts; attempt++ {
		if err = s.Send(t.Context(), batch); err == nil {
			return attempt
		}
		if de := exporter.Classify(err); de.Kind != exporter.KindRetryable {
			t.Fatalf("send: not retryable: %v", err)
		}
	}
	t.Fatalf("send: gave up after %d attempts: %v", attempts, err)
	return 0
}

// tcpCollector is an in-process TCP listener that reads octet-counted frames.
type tcpCollector struct {
	ln   net.Listener
	msgs chan string
}

func newTCPCollector(t *testing.T) *tcpCollector {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &tcpCollector{ln: ln, msgs: make(chan string, 1000)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				for {
					n, err := r.ReadString(' ')
					if err != nil {
						return
					}
					size, err := strconv.Atoi(strings.TrimSpace(n))
					if err != nil {
						return
					}
					buf := make([]byte, size)
					if _, err := io.ReadFull(r, buf); err != nil {
						return
					}
					c.msgs <- string(buf)
				}
			}()
		}
	}()
	return c
}

func TestSink_Send_RejectsOnlyBadRecords(t *testing.T) {
	col := newTCPCollector(t)
	cfg := DefaultConfig()
	cfg.Address = col.ln.Addr().String()
	s := newTestSink(t, cfg)
	recs := sampleRecords()
	bad := recs["code_scanning_fixed"]
	bad.Raw = json.RawMessage(`{broken`)
	batch := []exporter.Record{recs["dependabot_dismissed"], bad, recs["audit_secret_scanning_alert_resolve"]}
	err := s.Send(context.Background(), batch)
	var de *exporter.DeliveryError
	if !errors.As(err, &de) || len(de.Rejected) != 1 || de.Rejected[0] != 1 {
		t.Fatalf("err = %v, want Rejected(1)", err)
	}
	for _, want := range []string{batch[0].ID, batch[2].ID} {
		select {
		case m := <-col.msgs:
			if !strings.Contains(m, `id="`+want+`"`) {
				t.Errorf("got %q, want record %s", m, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("collector got nothing")
		}
	}
}

func TestSink_Send_Unreachable_IsRetryable(t *testing.T) {
	for _, network := range []string{NetworkTCP, NetworkTLS} {
		t.Run(network, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close() // nothing listens there now
			cfg := DefaultConfig()
			cfg.Address, cfg.Network = addr, network
			s := newTestSink(t, cfg)
			err = s.Send(context.Background(), []exporter.Record{sampleRecords()["dependabot_dismissed"]})
			de := exporter.Classify(err)
			if err == nil || de.Kind != exporter.KindRetryable {
				t.Fatalf("err = %v, want a retryable error", err)
			}
			if !strings.Contains(err.Error(), "connect to "+addr) {
				t.Errorf("error does not say what failed: %v", err)
			}
		})
	}
}

// TestSink_Send_StalledReceiver_Cancel checks that a receiver that stops
// reading cannot hang Send past its context.
func TestSink_Send_StalledReceiver_Cancel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c // never read
		}
	}()
	cfg := DefaultConfig()
	cfg.Address = ln.Addr().String()
	s := newTestSink(t, cfg)
	batch := make([]exporter.Record, 3000) // ~2 MB: more than the socket buffers hold
	for i := range batch {
		batch[i] = sampleRecords()["dependabot_dismissed"]
		batch[i].Alert.Comment = strings.Repeat("x", 600)
	}
	// Connect first, so that the deadline below hits the write, not the dial.
	if err := s.Send(context.Background(), batch[:1]); err != nil {
		t.Fatal(err)
	}
	conn := <-accepted
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Send(ctx, batch) }()
	select {
	case err := <-done:
		if err == nil || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a retryable error wrapping the context's", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Send did not return after its context expired")
	}
}

func TestSink_Send_AfterClose(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Address = "127.0.0.1:9"
	s := newTestSink(t, cfg)
	_ = s.Close()
	err := s.Send(context.Background(), []exporter.Record{sampleRecords()["dependabot_dismissed"]})
	if !errors.Is(err, ErrClosed) || exporter.Classify(err).Kind == exporter.KindPermanent {
		t.Fatalf("err = %v, want retryable ErrClosed", err)
	}
}

func TestSink_Send_EmptyBatch(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Address = "127.0.0.1:9"
	if err := newTestSink(t, cfg).Send(context.Background(), nil); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
}
