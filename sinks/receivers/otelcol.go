package receivers

import (
	"bufio"
	_ "embed" // the collector config template
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

//go:embed testdata/otelcol-hec.yaml
var otelcolHECTemplate string

// HECToken is the token an OtelcolHEC receiver accepts unless told otherwise.
const HECToken = "11111111-2222-3333-4444-555555555555"

// OtelcolHEC is a running OpenTelemetry Collector with the splunk_hec
// receiver (built by scripts/deps/otelcol-hec.sh), writing what it receives
// to an OTLP-JSON file.
//
// It differs from Splunk: a wrong token gets 401 with a plain-text body, the
// health endpoint wants the token, every unknown path is the event
// endpoint, ackIds start at 1 and are acknowledged once the event reached
// the pipeline, and JSON numbers in events come back as doubles.
type OtelcolHEC struct {
	*Proc
	// URL is the HEC base URL (http:// or https://127.0.0.1:port).
	URL string
	// Token is the accepted HEC token.
	Token string
	// CAFile is the PEM certificate to trust for HTTPS (empty for HTTP).
	CAFile string
	// CertFile and KeyFile are the server's certificate and key, usable as
	// a client certificate with ClientAuth.
	CertFile, KeyFile string
	// OutPath is the file exporter's output.
	OutPath string
}

// OtelcolHECOptions choose the receiver's variant.
type OtelcolHECOptions struct {
	TLS bool // serve HTTPS with a self-signed localhost certificate
	// ClientAuth (with TLS) requires a client certificate signed by CAFile;
	// the same certificate and key, ServerCert/ServerKey, serve as one.
	ClientAuth bool
	Token      string // default HECToken
}

// StartOtelcolHEC starts a collector on a free loopback port in a temporary
// directory; it is stopped at test cleanup.
func StartOtelcolHEC(t testing.TB, opts OtelcolHECOptions) *OtelcolHEC {
	t.Helper()
	bin := testtools.NeedExec(t, testtools.Bin("otelcol-hec"))
	dir := t.TempDir()
	h := &OtelcolHEC{Token: opts.Token, OutPath: filepath.Join(dir, "out.jsonl")}
	if h.Token == "" {
		h.Token = HECToken
	}
	port := FreePort(t)
	scheme, tlsBlock := "http", ""
	if opts.TLS {
		cert, key := TLSFiles(t, dir)
		h.CAFile, h.CertFile, h.KeyFile = cert, cert, key
		scheme = "https"
		tlsBlock = fmt.Sprintf("    tls:\n      cert_file: %s\n      key_file: %s", cert, key)
		if opts.ClientAuth {
			tlsBlock += "\n      client_ca_file: " + cert
		}
	}
	h.URL = fmt.Sprintf("%s://127.0.0.1:%d", scheme, port)
	cfg := Subst(otelcolHECTemplate, map[string]string{
		"PORT": strconv.Itoa(port), "TOKEN": h.Token, "OUT": h.OutPath, "TLS": tlsBlock,
	})
	h.Proc = startOtelcol(t, "otelcol-hec", bin, dir, cfg, port)
	return h
}

// startOtelcol writes cfg to name.yaml in dir and starts the collector bin
// with it as name, ready once it accepts connections on port.
func startOtelcol(t testing.TB, name, bin, dir, cfg string, port int) *Proc {
	t.Helper()
	cfgPath := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return Start(t, name, dir, nil, tcpReady(30*time.Second, fmt.Sprintf("127.0.0.1:%d", port)), bin, "--config", cfgPath)
}

// HECEvent is one event as the receiver wrote it.
type HECEvent struct {
	// Event is the envelope's "event" re-encoded as JSON (numbers are
	// doubles, which encoding/json still decodes into int fields).
	Event      json.RawMessage
	Time       time.Time
	Index      string
	Source     string
	Sourcetype string
	Host       string
	// Fields are the envelope's indexed fields.
	Fields map[string]any
}

// Events returns every event written so far, in arrival order.
func (h *OtelcolHEC) Events() ([]HECEvent, error) {
	return readExported(h.OutPath, parseOTLPLogs)
}

// readExported reads what the collector's file exporter wrote to path so
// far, one OTLP-JSON document a line, each turned into items by parse;
// nothing when the file is not there yet. A line that does not parse ends
// the read with an error (the exporter may be mid-write: callers poll).
func readExported[T any](path string, parse func(line []byte) ([]T, error)) ([]T, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		items, err := parse(line)
		if err != nil {
			return out, fmt.Errorf("parse %s: %w", path, err)
		}
		out = append(out, items...)
	}
	return out, sc.Err()
}

// WaitEvents polls the output until at least n events arrived or timeout
// passes, then returns what is there (failing the test on timeout).
func (h *OtelcolHEC) WaitEvents(t testing.TB, n int, timeout time.Duration) []HECEvent {
	t.Helper()
	var evs []HECEvent
	var err error
	if !Poll(timeout, func() bool { evs, err = h.Events(); return err == nil && len(evs) >= n }) {
		t.Fatalf("otelcol-hec: %d events after %s, want %d (last error: %v)\n--- log ---\n%s", len(evs), timeout, n, err, h.Log())
	}
	return evs
}
