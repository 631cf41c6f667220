package wiring

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/delivery"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// secretSinks is one entry of every type that reads a secret or a file:
// HEC (token, CA, client certificate), SCS (token), syslog over TLS (CA,
// client certificate), email (password, CA) and a file in dir.
func secretSinks(token, ca, cert, key, password, dir string) string {
	return fmt.Sprintf(`
- {name: hec, type: splunk_hec, url: "https://127.0.0.1:9", token_file: %[1]q, ca_file: %[2]q, cert_file: %[3]q, key_file: %[4]q}
- {name: scs, type: splunk_cloud_services, tenant: acme, token_file: %[1]q}
- {name: siem, type: syslog, network: tls, address: "127.0.0.1:9", ca_file: %[2]q, cert_file: %[3]q, key_file: %[4]q}
- {name: mail, type: email, host: smtp.example.com, username: bot, password_file: %[5]q, ca_file: %[2]q, from: a@example.com, to: [b@example.com]}
- {name: out, type: file, path: %[6]q}
`, token, ca, cert, key, password, filepath.Join(dir, "out.jsonl"))
}

// Decode, every sink's Validate, reads nothing: entries whose files are
// all missing pass it, and Resolve refuses each file, naming its field
// under sinks[i] and the path, with config.ErrUnreadable.
func TestResolve_DecodeReadsNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	f := func(name string) string { return filepath.Join(dir, name) }
	vs, err := decodeValidated(t, secretSinks(f("token"), f("ca.pem"), f("cert.pem"), f("key.pem"), f("password"), dir))
	if err != nil {
		t.Fatalf("Decode = %v, want nil: Validate reads no file", err)
	}
	rs, err := Resolve(vs)
	if rs != nil || !errors.Is(err, config.ErrUnreadable) {
		t.Fatalf("Resolve = %v, %v; want config.ErrUnreadable", rs, err)
	}
	var got []string
	for _, e := range config.Flatten(err) {
		var fe *config.FieldError
		if !errors.As(e, &fe) || !errors.Is(fe, config.ErrUnreadable) || !strings.Contains(e.Error(), dir) {
			t.Errorf("not an ErrUnreadable field error naming the file: %v", e)
			continue
		}
		got = append(got, fe.Path)
	}
	want := "sinks[0].token_file sinks[0].ca_file sinks[1].token_file sinks[2].ca_file sinks[3].password_file sinks[3].ca_file sinks[4].path"
	if strings.Join(got, " ") != want {
		t.Errorf("fields:\n  %s\nwant\n  %s\n(%v)", strings.Join(got, " "), want, err)
	}
}

// Resolve reads every secret and file once and Build reads none again:
// with the files removed after Resolve, every sink still builds, twice (a
// reload falling back to the old config builds its sinks again).
func TestResolve_BuildReadsNothing(t *testing.T) {
	dir := t.TempDir()
	files := filepath.Join(dir, "files")
	if err := os.Mkdir(files, 0o700); err != nil {
		t.Fatal(err)
	}
	cert, key := receivers.TLSFiles(t, files)
	write := func(name, content string) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	vs, err := decodeValidated(t, secretSinks(write("token", "0000\n"), cert, cert, key, write("password", "hunter2\n"), dir))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Resolve(vs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(files); err != nil {
		t.Fatal(err)
	}
	db, err := state.Open(filepath.Join(dir, "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for range 2 {
		for _, r := range rs {
			s, err := r.Build(exporter.SinkDeps{Name: r.Name, Logger: slog.New(slog.DiscardHandler), Version: "test", Store: db, Now: time.Now, Attempts: &delivery.Retrier{}})
			if err != nil {
				t.Fatalf("%s: %v", r.Name, err)
			}
			_ = s.Close()
		}
	}
}
