package syslog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// TestRELP_Send_Window holds acknowledgements back: the client must stop at
// window unacknowledged messages, carry on as answers come, and number its
// commands consecutively from 2 (1 is open).
func TestRELP_Send_Window(t *testing.T) {
	const window, n = 4, 10
	addr := fakeRELP(t, func(p *relpPeer) {
		if !p.open(librelpOffers) {
			return
		}
		next := uint32(2)
		for got := 0; got < n; {
			var held []uint32
			for len(held) < min(window, n-got) {
				f, err := p.read()
				if err != nil || f.cmd != relpSyslog || f.txnr != next {
					t.Errorf("want syslog %d, got %s %d (%v)", next, f.cmd, f.txnr, err)
					return
				}
				held, next = append(held, f.txnr), next+1
			}
			// Nothing more may come while window messages are unanswered.
			_ = p.c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			if _, err := p.br.Peek(1); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("client sent more than %d unacknowledged messages (%v)", window, err)
			}
			for _, tx := range held {
				p.send(tx, relpRsp, "200 OK")
			}
			got += len(held)
		}
		f, err := p.read()
		if err != nil || f.cmd != relpClose || f.txnr != next || len(f.data) != 0 {
			t.Errorf("want close %d, got %s %d %q (%v)", next, f.cmd, f.txnr, f.data, err)
			return
		}
		p.send(f.txnr, relpRsp, "")
	})
	s := relpTestSink(t, addr, window)
	if err := s.Send(t.Context(), relpBatch(n)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRELP_Send_Nack: 5xx for a message fails the batch (retryable) and
// reopens the session; 4xx rejects that record alone, with its index in the
// batch (after a record that could not even be rendered).
func TestRELP_Send_Nack(t *testing.T) {
	answer := func(code string) func(p *relpPeer) {
		return func(p *relpPeer) {
			if !p.open(librelpOffers) {
				return
			}
			for i := 0; ; i++ {
				f, err := p.read()
				if err != nil || f.cmd == relpClose {
					return
				}
				if i == 1 {
					p.send(f.txnr, relpRsp, code)
					continue
				}
				p.send(f.txnr, relpRsp, "200 OK")
			}
		}
	}
	addr := fakeRELP(t, answer("500 error processing message"), answer("400 message refused"))
	s := relpTestSink(t, addr, 128)
	batch := relpBatch(4)
	batch[0].Raw = json.RawMessage(`{broken`)
	err := s.Send(t.Context(), batch)
	if de := exporter.Classify(err); err == nil || de.Kind != exporter.KindRetryable {
		t.Fatalf("500: err = %v, want retryable", err)
	}
	if !strings.Contains(err.Error(), "500 error processing message") {
		t.Errorf("500: err = %v, want the receiver's answer in it", err)
	}
	// The session was dropped: this Send opens the second one.
	err = s.Send(t.Context(), batch)
	de := exporter.Classify(err)
	if err == nil || fmt.Sprint(de.Rejected) != "[0 2]" {
		t.Fatalf("400: err = %v, want Rejected [0 2] (render failure, refused message)", err)
	}
	if !strings.Contains(err.Error(), "400 message refused") {
		t.Errorf("400: err = %v, want the receiver's answer in it", err)
	}
}

// TestRELP_Send_ServerClose: a serverclose in the middle of a batch fails it
// (what was not acknowledged may be lost on the receiver), and the next Send
// opens a new session and delivers.
func TestRELP_Send_ServerClose(t *testing.T) {
	addr := fakeRELP(t, func(p *relpPeer) {
		if !p.open(librelpOffers) {
			return
		}
		for i := 0; i < 2; i++ {
			f, err := p.read()
			if err != nil {
				return
			}
			p.send(f.txnr, relpRsp, "200 OK")
		}
		p.send(0, relpServerClose, "")
	}, serveAll)
	s := relpTestSink(t, addr, 128)
	batch := relpBatch(5)
	err := s.Send(t.Context(), batch)
	if de := exporter.Classify(err); err == nil || !errors.Is(err, errRELPServerClose) || !de.Kind.Retried() {
		t.Fatalf("err = %v, want retryable serverclose", err)
	}
	if err := s.Send(t.Context(), batch); err != nil {
		t.Fatalf("resend: %v", err)
	}
}

// TestRELP_ServerCloseBetweenBatches: a session the receiver closed while
// the sink was idle is noticed before the next batch, which then goes out
// on a new session at the first attempt.
func TestRELP_ServerCloseBetweenBatches(t *testing.T) {
	closed := make(chan struct{})
	addr := fakeRELP(t, func(p *relpPeer) {
		if !p.open(librelpOffers) {
			return
		}
		f, err := p.read()
		if err != nil {
			return
		}
		p.send(f.txnr, relpRsp, "200 OK")
		p.send(0, relpServerClose, "")
		close(closed)
	}, serveAll)
	s := relpTestSink(t, addr, 128)
	if err := s.Send(t.Context(), relpBatch(1)); err != nil {
		t.Fatal(err)
	}
	<-closed
	waitReadable(t, s) // the hint has reached the sink's socket
	if err := s.Send(t.Context(), relpBatch(3)); err != nil {
		t.Fatalf("first attempt after serverclose: %v", err)
	}
}

// TestRELP_Open_Refused: a receiver that does not offer the syslog command
// pauses the sink (it needs its operator); one that answers open with 500 is
// retried.
func TestRELP_Open_Refused(t *testing.T) {
	for _, tc := range []struct {
		reply  string
		paused bool
	}{
		{"200 OK\nrelp_version=0\nrelp_software=librelp\ncommands=", true},
		{"200 OK\ncommands=syslog", true},
		{"500 required command not supported by client", false},
	} {
		addr := fakeRELP(t, func(p *relpPeer) { p.open(tc.reply) })
		s := relpTestSink(t, addr, 128)
		err := s.Send(t.Context(), relpBatch(1))
		de := exporter.Classify(err)
		if err == nil || (de.Kind == exporter.KindPaused) != tc.paused || !de.Kind.Retried() {
			t.Errorf("reply %q: err = %v, want paused=%v", tc.reply, err, tc.paused)
		}
	}
}

// TestRELP_Send_BadServer: replies that break the protocol fail the batch
// (retryable) instead of counting anything as delivered.
func TestRELP_Send_BadServer(t *testing.T) {
	for name, reply := range map[string]func(p *relpPeer, txnr uint32){
		"garbage":       func(p *relpPeer, _ uint32) { _, _ = p.c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n")) },
		"unknown txnr":  func(p *relpPeer, txnr uint32) { p.send(txnr+7, relpRsp, "200 OK") },
		"bad rsp":       func(p *relpPeer, txnr uint32) { p.send(txnr, relpRsp, "OK") },
		"command":       func(p *relpPeer, txnr uint32) { p.send(txnr, relpSyslog, "hi") },
		"eof mid-frame": func(p *relpPeer, txnr uint32) { _, _ = p.c.Write([]byte(fmt.Sprintf("%d rsp 6 20", txnr))) },
	} {
		t.Run(name, func(t *testing.T) {
			addr := fakeRELP(t, func(p *relpPeer) {
				if !p.open(librelpOffers) {
					return
				}
				if f, err := p.read(); err == nil {
					reply(p, f.txnr)
				}
			})
			s := relpTestSink(t, addr, 128)
			err := s.Send(t.Context(), relpBatch(1))
			if de := exporter.Classify(err); err == nil || de.Kind != exporter.KindRetryable {
				t.Fatalf("err = %v, want retryable", err)
			}
		})
	}
}

// TestRELP_Send_Timeout: a receiver that never answers fails the batch
// within write_timeout, and a cancelled context interrupts the wait.
func TestRELP_Send_Timeout(t *testing.T) {
	release := make(chan struct{})
	silent := func(p *relpPeer) {
		if p.open(librelpOffers) {
			<-release
		}
	}
	addr := fakeRELP(t, silent, silent)
	t.Cleanup(func() { close(release) }) // before fakeRELP's cleanup waits for silent
	cfg := DefaultConfig()
	cfg.Network, cfg.Address, cfg.WriteTimeout = NetworkRELP, addr, 2e8
	s := newTestSink(t, cfg)
	if err := s.Send(t.Context(), relpBatch(2)); err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	cfg.WriteTimeout = 60e9
	s = newTestSink(t, cfg)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(200*time.Millisecond, cancel)
	if err := s.Send(ctx, relpBatch(2)); err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the context's error", err)
	}
}
