package syslog

import (
	"bufio"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// These tests script a RELP server in-process for what real rsyslog cannot
// be made to do on demand: refuse single messages, hold acknowledgements,
// send serverclose mid-batch, speak garbage. Real rsyslog is in relp_test.go.

const librelpOffers = "200 OK\nrelp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog"

// relpPeer is the server side of one accepted connection.
type relpPeer struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

// fakeRELP accepts connections and runs serve for each, in order.
func fakeRELP(t testing.TB, serve ...func(p *relpPeer)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for _, fn := range serve {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fn(&relpPeer{t: t, c: c, br: bufio.NewReader(c)})
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func (p *relpPeer) read() (relpFrame, error) {
	_ = p.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	return readRELPFrame(p.br, 1<<20)
}

func (p *relpPeer) send(txnr uint32, cmd, data string) {
	if _, err := p.c.Write(appendRELPFrame(nil, txnr, cmd, []byte(data))); err != nil {
		p.t.Errorf("fake server write: %v", err)
	}
}

// open answers the client's open command with reply.
func (p *relpPeer) open(reply string) bool {
	f, err := p.read()
	if err != nil || f.txnr != 1 || f.cmd != relpOpen || !strings.Contains(string(f.data), "commands=syslog") {
		p.t.Errorf("fake server: want open 1 with commands=syslog, got %d %s %q (%v)", f.txnr, f.cmd, f.data, err)
		return false
	}
	p.send(1, relpRsp, reply)
	return true
}

// serveAll opens the session and answers every syslog command with 200 OK
// until close (answered) or EOF.
func serveAll(p *relpPeer) {
	if !p.open(librelpOffers) {
		return
	}
	for {
		f, err := p.read()
		if err != nil {
			return
		}
		p.send(f.txnr, relpRsp, "200 OK")
	}
}

func relpTestSink(t testing.TB, addr string, window int) *Sink {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Network, cfg.Address, cfg.RELPWindow = NetworkRELP, addr, window
	cfg.WriteTimeout = 10e9
	return newTestSink(t, cfg)
}

func relpBatch(n int) []exporter.Record {
	return restartBatch("relp", n)
}

// waitReadable blocks until the receiver's side has sent something on the
// sink's open RELP session, without consuming it: the runtime poller wakes
// it when the bytes reach the socket, so a test waits for the event rather
// than sleeping for it.
func waitReadable(t testing.TB, s *Sink) {
	t.Helper()
	if s.relp.br.Buffered() > 0 {
		return // read along with the last rsp
	}
	sc, ok := s.relp.sock.c.(syscall.Conn)
	if !ok {
		t.Fatalf("RELP session is a %T, not a socket", s.relp.sock.c)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	var peekErr error
	err = rc.Read(func(fd uintptr) bool {
		_, _, peekErr = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return !errors.Is(peekErr, syscall.EAGAIN)
	})
	if err != nil || peekErr != nil {
		t.Fatalf("wait for the receiver's bytes: %v, %v", err, peekErr)
	}
}
