package wiring

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// Check over the real receivers, as `ghsec-exporter check` runs it: HEC
// (otelcol, TLS) with a good and a wrong token, SMTP (mailpit, STARTTLS +
// AUTH), syslog over TLS (rsyslog), a file, and a Splunk Cloud Services
// sink, which has no online check and says so.
func TestCheck_RealReceivers(t *testing.T) {
	hec := receivers.StartOtelcolHEC(t, receivers.OtelcolHECOptions{TLS: true})
	mp := receivers.StartMailpit(t, receivers.MailpitStartTLS)
	rs := receivers.StartRsyslog(t)
	dir := t.TempDir()
	t.Setenv("GHSEC_CHECK_HEC", hec.Token)
	t.Setenv("GHSEC_CHECK_BAD", "00000000-0000-0000-0000-000000000000")
	vs, err := decodeValidated(t, fmt.Sprintf(`
- {name: hec, type: splunk_hec, url: %q, token_env: GHSEC_CHECK_HEC, ca_file: %q}
- {name: hec-bad, type: splunk_hec, url: %q, token_env: GHSEC_CHECK_BAD, ca_file: %q}
- {name: mail, type: email, host: 127.0.0.1, port: %d, tls: starttls, ca_file: %q, username: %s, password_file: %q,
   from: "x <x@example.com>", to: [y@example.com]}
- {name: siem, type: syslog, network: tls, address: %q, ca_file: %q}
- {name: out, type: file, path: %q}
- {name: scs, type: splunk_cloud_services, tenant: acme, token_env: GHSEC_CHECK_HEC, host: "http://127.0.0.1:9"}
`, hec.URL, hec.CAFile, hec.URL, hec.CAFile, mp.SMTPPort, mp.CertFile, receivers.MailpitUser, mp.PasswordFile,
		rs.TLSAddr, rs.CAFile, filepath.Join(dir, "out.jsonl")))
	if err != nil {
		t.Fatal(err)
	}
	db, err := state.Open(filepath.Join(dir, "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deps := func(name string) exporter.SinkDeps {
		return exporter.SinkDeps{Name: name, Logger: slog.New(slog.DiscardHandler), Version: "test", Store: db, Now: time.Now}
	}
	var got, details []string
	resolved, err := Resolve(vs)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Check(context.Background(), resolved, deps) {
		for _, r := range c.Results {
			got = append(got, fmt.Sprintf("%s %s %v", c.Name, r.Check, r.OK))
			details = append(details, fmt.Sprintf("%s %s: %s | %s", c.Name, r.Check, r.Detail, r.Fix))
		}
	}
	want := []string{
		"hec reachable true", "hec tls verified true", "hec credential accepted true",
		"hec-bad reachable true", "hec-bad tls verified true", "hec-bad credential accepted false",
		"mail reachable true", "mail tls verified true", "mail credential accepted true",
		"siem reachable true", "siem tls verified true",
		"out writable true",
		"scs online true",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got:\n  %s\nwant:\n  %s\ndetails:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "), strings.Join(details, "\n  "))
	}
	if evs, err := hec.Events(); err != nil || len(evs) != 0 {
		t.Errorf("the check delivered %d HEC events (%v)", len(evs), err)
	}
	if n := len(mp.Messages()); n != 0 {
		t.Errorf("the check sent %d mails", n)
	}
	if msgs := rs.Messages(t); len(msgs) != 0 {
		t.Errorf("the check wrote %d syslog messages", len(msgs))
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "out.jsonl")); len(b) != 0 {
		t.Errorf("the check wrote to the file: %q", b)
	}
}
