package email

import (
	"context"
	"os"
	"path/filepath"
	"testing"

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
