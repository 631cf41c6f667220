package email

import (
	"bufio"
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
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

// The check's context bounds the whole conversation: go-mail gives the
// greeting and then EHLO (with its HELO fallback) a full timeout each, so a
// server that dribbles its answers held a check for twice its timeout. A
// server that greets and then never answers EHLO: once the check's context
// ends (as its timeout does), the check returns, failed, while go-mail's
// own deadline (the 10-minute timeout here) is far off.
func TestCheck_DribblingServerBoundedByTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ehlo, release := make(chan struct{}), make(chan struct{})
	serverDone := make(chan struct{})
	go func() {
		defer close(serverDone)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		if _, err := conn.Write([]byte("220 slow.example ESMTP\r\n")); err != nil {
			return
		}
		r := bufio.NewReader(conn)
		if _, err := r.ReadString('\n'); err != nil { // EHLO
			return
		}
		close(ehlo)
		<-release // never answered; hanging up ends the abandoned conversation
	}()
	cfg := DefaultConfig()
	cfg.Host, cfg.Port, cfg.TLS = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port, TLSNone
	cfg.From, cfg.To = "ghsec@example.com", []string{"security@example.com"}
	cfg.Timeout = config.Duration(10 * time.Minute)
	s := newSink(t, cfg, openState(t, ""), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan []exporter.CheckResult, 1)
	go func() { done <- s.Check(ctx) }()
	<-ehlo
	cancel()
	var rs []exporter.CheckResult
	select {
	case rs = <-done:
	case <-time.After(time.Minute): // a hang guard, not a timing assertion
		t.Fatal("the check went on after its context ended: timeout must bound the whole conversation")
	}
	if len(rs) != 1 || rs[0].OK {
		t.Fatalf("a server that never answers EHLO must fail the check: %+v", rs)
	}
	close(release)
	<-serverDone
}
