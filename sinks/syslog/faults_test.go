package syslog_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/syslog"
)

// faultyReceiver is a TCP or TLS syslog listener that breaks every
// connection it accepts with its fault until healed, then reads
// octet-counted frames and notes the record ids in them.
type faultyReceiver struct {
	t       *testing.T
	ln      net.Listener
	fault   func(c net.Conn)
	release chan struct{}

	mu     sync.Mutex
	healed bool
	got    map[string]bool
	// more is signalled whenever got grows
	more chan struct{}
	wg   sync.WaitGroup
}

func startFaulty(t *testing.T, useTLS bool, fault func(r *faultyReceiver, c net.Conn)) (*faultyReceiver, syslog.Config) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := syslog.DefaultConfig()
	cfg.Network, cfg.Address = syslog.NetworkTCP, ln.Addr().String()
	if useTLS {
		cert, key := receivers.TLSFiles(t, t.TempDir())
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			t.Fatal(err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{pair}})
		cfg.Network, cfg.CAFile = syslog.NetworkTLS, cert
	}
	r := &faultyReceiver{t: t, ln: ln, release: make(chan struct{}), got: map[string]bool{}, more: make(chan struct{}, 1)}
	r.fault = func(c net.Conn) { fault(r, c) }
	t.Cleanup(func() {
		close(r.release)
		ln.Close()
		r.wg.Wait()
	})
	r.wg.Add(1)
	go r.accept()
	return r, cfg
}

func (r *faultyReceiver) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.mu.Lock()
		healed := r.healed
		r.mu.Unlock()
		if tc, ok := c.(*net.TCPConn); ok && !healed {
			_ = tc.SetReadBuffer(16 << 10) // keep what a broken receiver buffers small
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			defer c.Close()
			if !healed {
				r.fault(c)
				return
			}
			r.read(c)
		}()
	}
}

// read takes octet-counted frames until the peer closes.
func (r *faultyReceiver) read(c net.Conn) {
	br := bufio.NewReaderSize(c, 1<<20)
	for {
		n, err := br.ReadString(' ')
		if err != nil {
			return
		}
		size, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil {
			r.t.Errorf("healed receiver: bad frame length %q", n)
			return
		}
		msg := make([]byte, size)
		if _, err := io.ReadFull(br, msg); err != nil {
			return
		}
		r.mu.Lock()
		if i := bytes.Index(msg, []byte(`"id":"`)); i >= 0 && len(msg) >= i+6+32 {
			r.got[string(msg[i+6:i+6+32])] = true
		}
		r.mu.Unlock()
		select {
		case r.more <- struct{}{}:
		default:
		}
	}
}

func (r *faultyReceiver) heal() {
	r.mu.Lock()
	r.healed = true
	r.mu.Unlock()
}

// bigRecords is a batch larger than what loopback socket buffers hold
// (about 6 MB against a 4 MB send buffer and the receiver's small receive
// buffer), so a receiver that stops reading is felt by the writer itself and
// not hidden in kernel buffers.
func bigRecords() []exporter.Record {
	recs := sinktest.Records(120)
	for i := range recs {
		recs[i].Alert.Comment = strings.Repeat("x", 50_000)
	}
	return recs
}

// TestSend_ReceiverFaults: a syslog receiver over TCP or TLS that closes
// mid-frame, closes on connect or never reads makes Send fail retryably
// within write_timeout, the whole batch stays queued, and once the
// receiver is healthy everything arrives.
func TestSend_ReceiverFaults(t *testing.T) {
	faults := []struct {
		name  string
		fault func(r *faultyReceiver, c net.Conn)
	}{
		{"closes mid-frame", func(_ *faultyReceiver, c net.Conn) {
			_, _ = io.ReadFull(c, make([]byte, 1000))
		}},
		{"closes on connect", func(_ *faultyReceiver, c net.Conn) {
			if tc, ok := c.(*tls.Conn); ok {
				_ = tc.Handshake()
			}
		}},
		{"never reads", func(r *faultyReceiver, c net.Conn) {
			if tc, ok := c.(*tls.Conn); ok {
				_ = tc.Handshake()
			}
			<-r.release
		}},
	}
	for _, network := range []string{"tcp", "tls"} {
		for _, tc := range faults {
			t.Run(network+" "+tc.name, func(t *testing.T) {
				r, cfg := startFaulty(t, network == "tls", tc.fault)
				cfg.WriteTimeout = config.Duration(time.Second)
				cfg.DialTimeout = config.Duration(time.Second)
				cfg.Hostname = "exporter"
				sink := sinktest.Build(t, cfg, syslog.New, sinktest.Deps())
				recs := bigRecords()
				sinktest.MustRetry(t, tc.name, sinktest.Send(t, sink, recs))
				h := sinktest.New(t, sink, recs)
				h.FailThenRecover(t, 2, r.heal)
				// Send returned after the last write; the receiver may
				// still be reading it
				sink.Close()
				waitIDs(t, r, sinktest.IDs(recs))
			})
		}
	}
}

// waitIDs waits, on each id the receiver reads, until it has read every
// id; a minute without all of them fails the test instead of hanging it.
func waitIDs(t *testing.T, r *faultyReceiver, want map[string]bool) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		r.mu.Lock()
		missing := 0
		for id := range want {
			if !r.got[id] {
				missing++
			}
		}
		r.mu.Unlock()
		if missing == 0 {
			return
		}
		select {
		case <-r.more:
		case <-timeout:
			t.Fatalf("%d of %d records never reached the receiver", missing, len(want))
		}
	}
}
