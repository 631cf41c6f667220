package email

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// The online check against mailpit: STARTTLS with AUTH passes; a wrong
// password fails "credential accepted"; no CA fails "tls verified"; a
// stopped server is unreachable. No mail arrives.
func TestCheck_Mailpit(t *testing.T) {
	m := receivers.StartMailpit(t, receivers.MailpitStartTLS)
	ctx := context.Background()
	db := openState(t, "")
	rs := newSink(t, mailpitConfig(m, TLSStartTLS), db, nil).Check(ctx)
	if len(rs) != 3 || !rs[0].OK || !rs[1].OK || !rs[2].OK {
		t.Fatalf("good login: %+v", rs)
	}
	bad := mailpitConfig(m, TLSStartTLS)
	bad.PasswordFile = filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(bad.PasswordFile, []byte("wrong"), 0o600); err != nil {
		t.Fatal(err)
	}
	rs = newSink(t, bad, db, nil).Check(ctx)
	if len(rs) != 3 || !rs[1].OK || rs[2].OK || rs[2].Fix == "" {
		t.Fatalf("wrong password: %+v", rs)
	}
	noCA := mailpitConfig(m, TLSStartTLS)
	noCA.CAFile = ""
	rs = newSink(t, noCA, db, nil).Check(ctx)
	if len(rs) != 2 || rs[1].OK || rs[1].Fix == "" {
		t.Fatalf("untrusted certificate: %+v", rs)
	}
	if n := len(m.Messages()); n != 0 {
		t.Fatalf("the check sent %d mails", n)
	}
	m.Stop()
	rs = newSink(t, mailpitConfig(m, TLSStartTLS), db, nil).Check(ctx)
	if len(rs) != 1 || rs[0].OK || rs[0].Fix == "" {
		t.Fatalf("stopped server: %+v", rs)
	}
}

// timeout bounds the whole check: a server that sends its greeting just
// before the timeout and then dribbles its EHLO reply held a check for
// twice its timeout (go-mail gives the greeting and EHLO a timeout each).
func TestCheck_DribblingServerBoundedByTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const timeout = 2 * time.Second
	greeted := make(chan struct{})
	serverDone := make(chan struct{})
	go func() {
		defer close(serverDone)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		// the peer under test is slow by design: its greeting at half the
		// timeout, then an EHLO reply one byte every 100 ms, bounded
		time.Sleep(timeout / 2)
		if _, err := conn.Write([]byte("220 slow.example ESMTP\r\n")); err != nil {
			return
		}
		close(greeted)
		for _, b := range []byte("250-slow.example dribbles for a very long time indeed\r\n") {
			time.Sleep(100 * time.Millisecond)
			if _, err := conn.Write([]byte{b}); err != nil {
				return
			}
		}
	}()
	cfg := DefaultConfig()
	cfg.Host, cfg.Port, cfg.TLS = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port, TLSNone
	cfg.From, cfg.To = "ghsec@example.com", []string{"security@example.com"}
	cfg.Timeout = config.Duration(timeout)
	s := newSink(t, cfg, openState(t, ""), nil)
	start := time.Now()
	rs := s.Check(context.Background())
	took := time.Since(start)
	<-greeted
	if len(rs) != 1 || rs[0].OK {
		t.Fatalf("a server that never finishes EHLO must fail the check: %+v", rs)
	}
	// before: greeting (1 s) + a full timeout for EHLO = 3 s
	if took >= timeout+timeout/4 {
		t.Fatalf("check took %v with timeout %v: timeout bounds the whole conversation", took, timeout)
	}
	ln.Close()
	<-serverDone
}
