package email

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// faultySMTP is a minimal SMTP server that breaks the conversation at one
// stage until healed, then accepts mail and keeps the bodies.
type faultySMTP struct {
	ln      net.Listener
	stage   string // where the fault strikes: greeting, mail, data, dot
	fault   func(w *bufio.Writer, c net.Conn)
	release chan struct{}

	mu     sync.Mutex
	healed bool
	mails  []string
	wg     sync.WaitGroup
}

func startFaultySMTP(t *testing.T, stage string, fault func(f *faultySMTP, w *bufio.Writer, c net.Conn)) *faultySMTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &faultySMTP{ln: ln, stage: stage, release: make(chan struct{})}
	f.fault = func(w *bufio.Writer, c net.Conn) { fault(f, w, c) }
	t.Cleanup(func() {
		close(f.release)
		ln.Close()
		f.wg.Wait()
	})
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.wg.Add(1)
			go func() { defer f.wg.Done(); defer c.Close(); f.serve(c) }()
		}
	}()
	return f
}

func (f *faultySMTP) heal() {
	f.mu.Lock()
	f.healed = true
	f.mu.Unlock()
}

// serve speaks just enough SMTP for go-mail; at f.stage, unless healed, it
// hands the connection to the fault and ends the conversation.
func (f *faultySMTP) serve(c net.Conn) {
	f.mu.Lock()
	broken := !f.healed
	f.mu.Unlock()
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	at := func(stage string) bool {
		if broken && f.stage == stage {
			f.fault(w, c)
			_ = w.Flush()
			return true
		}
		return false
	}
	reply := func(s string) { _, _ = w.WriteString(s + "\r\n"); _ = w.Flush() }
	if at("greeting") {
		return
	}
	reply("220 faulty.test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			reply("250-faulty.test\r\n250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL"):
			if at("mail") {
				return
			}
			reply("250 2.1.0 ok")
		case strings.HasPrefix(cmd, "RCPT"), strings.HasPrefix(cmd, "RSET"), strings.HasPrefix(cmd, "NOOP"):
			reply("250 ok")
		case cmd == "DATA":
			reply("354 go ahead")
			if at("data") {
				return
			}
			var body strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				body.WriteString(l)
			}
			if at("dot") {
				return
			}
			f.mu.Lock()
			f.mails = append(f.mails, body.String())
			f.mu.Unlock()
			reply("250 2.0.0 queued")
		case cmd == "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 5.5.2 unknown command")
		}
	}
}

// TestDigest_SMTPFaults breaks the SMTP conversation where real servers
// break it — garbage or no greeting, a garbage reply, the connection closed
// mid-DATA or right after the final dot, a 421 after the dot — and checks
// that each attempt fails as temporary within the configured timeout, the
// digest period stays open with its records, and the next digest after the
// server recovers carries them.
func TestDigest_SMTPFaults(t *testing.T) {
	faults := []struct {
		name, stage string
		fault       func(f *faultySMTP, w *bufio.Writer, c net.Conn)
	}{
		{"garbage greeting", "greeting", func(_ *faultySMTP, w *bufio.Writer, _ net.Conn) {
			_, _ = w.WriteString("\x00\xffHELLO?? not smtp\r\n")
		}},
		{"no greeting until past the timeout", "greeting", func(f *faultySMTP, _ *bufio.Writer, _ net.Conn) {
			<-f.release
		}},
		{"garbage reply to MAIL", "mail", func(_ *faultySMTP, w *bufio.Writer, _ net.Conn) {
			_, _ = w.WriteString("OK?? 2.1.0\r\n")
		}},
		{"closes mid-DATA", "data", func(_ *faultySMTP, _ *bufio.Writer, c net.Conn) {
			_, _ = io.ReadFull(c, make([]byte, 200))
		}},
		{"closes after the final dot without a reply", "dot", func(*faultySMTP, *bufio.Writer, net.Conn) {}},
		{"421 after the final dot", "dot", func(_ *faultySMTP, w *bufio.Writer, _ net.Conn) {
			_, _ = w.WriteString("421 4.3.2 shutting down\r\n")
		}},
	}
	for _, tc := range faults {
		t.Run(tc.name, func(t *testing.T) {
			srv := startFaultySMTP(t, tc.stage, tc.fault)
			cfg := DefaultConfig()
			cfg.Host, cfg.TLS = "127.0.0.1", TLSNone
			cfg.Port = srv.ln.Addr().(*net.TCPAddr).Port
			cfg.From, cfg.To = "ghsec-exporter <ghsec@example.com>", []string{"security@example.com"}
			cfg.Timeout = 1_000_000_000 // the shortest allowed: 1s
			s := newSink(t, cfg, openState(t, ""), nil)
			ctx := context.Background()
			if err := s.Send(ctx, []exporter.Record{created("acme/faulty", 7)}); err != nil {
				t.Fatal(err)
			}

			// one attempt straight through the mailer: temporary, bounded
			msg, err := s.mailer.message(rendered{Subject: "probe", Text: "probe", HTML: "<p>probe</p>"}, s.now())
			if err != nil {
				t.Fatal(err)
			}
			err = sendBounded(t, func() error { return s.mailer.send(ctx, msg) })
			var se *smtpError
			if de := exporter.Classify(err); !errors.As(err, &se) || de.Kind != exporter.KindRetryable {
				t.Fatalf("mailer.send = %v (%T), want a retryable *smtpError", err, err)
			}

			// a digest against the broken server: fails, keeps the period
			r := retriesOf(s)
			r.maxWaits = 1 // the first retry wait ends the run
			if err := sendBounded(t, func() error { return s.sendDigest(ctx) }); err == nil {
				t.Fatal("digest reported sent to a broken server")
			}
			if sends, waits := r.counts(); sends != 1 || waits != 1 {
				t.Fatalf("%d sends, %d waits; want the fault hit once, then one retry wait", sends, waits)
			}
			if _, ok, _ := s.store.pending(); !ok || countEntries(t, s) != 1 {
				t.Fatal("the failed digest's period was closed or lost its record")
			}

			srv.heal()
			if err := sendBounded(t, func() error { return s.sendDigest(ctx) }); err != nil {
				t.Fatalf("digest after the server recovered: %v", err)
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if len(srv.mails) != 1 || !strings.Contains(srv.mails[0], "acme/faulty#7") {
				t.Fatalf("%d mails after recovery; want one digest naming acme/faulty#7:\n%v", len(srv.mails), srv.mails)
			}
			if countEntries(t, s) != 0 {
				t.Error("the delivered digest's period is still open")
			}
		})
	}
}

// sendBounded runs fn, failing the test if it neither returns nor panics
// within a bound far above the sink's timeout (a hang).
func sendBounded(t *testing.T, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- errors.New("panic")
				t.Errorf("panic: %v", p)
			}
		}()
		done <- fn()
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatal("no return within a minute: the sink hangs past its timeout")
		return nil
	}
}
