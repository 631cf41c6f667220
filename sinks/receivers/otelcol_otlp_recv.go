package receivers

import (
	_ "embed" // the collector config template
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

//go:embed testdata/otelcol-otlp.yaml
var otelcolOTLPTemplate string

// OtelcolOTLP is a running OpenTelemetry Collector (the otelcol-hec build
// of scripts/deps/otelcol-hec.sh) with the otlp receiver serving OTLP/HTTP
// only, writing the logs it receives to an OTLP-JSON file.
type OtelcolOTLP struct {
	*Proc
	// Endpoint is the OTLP/HTTP base URL (http:// or https://127.0.0.1:port);
	// logs go to Endpoint + "/v1/logs".
	Endpoint string
	// Token is the bearer token required, empty when none is.
	Token string
	// CAFile is the PEM certificate to trust for HTTPS (empty for HTTP).
	CAFile string
	// OutPath is the file exporter's output.
	OutPath string
}

// OtelcolOTLPOptions choose the receiver's variant.
type OtelcolOTLPOptions struct {
	TLS bool // serve HTTPS with a self-signed localhost certificate
	// Token, when set, is required as "Authorization: Bearer <Token>"
	// (bearertokenauth); a request without it gets 401.
	Token string
}

// StartOtelcolOTLP starts a collector on a free loopback port in a
// temporary directory; it is stopped at test cleanup.
func StartOtelcolOTLP(t testing.TB, opts OtelcolOTLPOptions) *OtelcolOTLP {
	t.Helper()
	bin := testtools.NeedExec(t, testtools.Bin("otelcol-hec"))
	dir := t.TempDir()
	o := &OtelcolOTLP{Token: opts.Token, OutPath: filepath.Join(dir, "out.jsonl")}
	port := FreePort(t)
	scheme, tlsBlock, authBlock, token := "http", "", "", opts.Token
	if opts.TLS {
		cert, key := TLSFiles(t, dir)
		o.CAFile = cert
		scheme = "https"
		tlsBlock = fmt.Sprintf("        tls:\n          cert_file: %s\n          key_file: %s", cert, key)
	}
	if token != "" {
		authBlock = "        auth:\n          authenticator: bearertokenauth/otlp"
	} else {
		token = "unused" // the extension wants a token even when no receiver uses it
	}
	o.Endpoint = fmt.Sprintf("%s://127.0.0.1:%d", scheme, port)
	cfg := Subst(otelcolOTLPTemplate, map[string]string{
		"PORT": strconv.Itoa(port), "TOKEN": token, "OUT": o.OutPath, "TLS": tlsBlock, "AUTH": authBlock,
	})
	o.Proc = startOtelcol(t, "otelcol-otlp", bin, dir, cfg, port)
	return o
}

// OTLPLogRecord is one log record as the receiver wrote it.
type OTLPLogRecord struct {
	// Resource holds the resource's attributes, Scope the scope's name
	// and ScopeVersion its version.
	Resource     map[string]any
	Scope        string
	ScopeVersion string
	Time         time.Time
	ObservedTime time.Time
	// SeverityNumber is OpenTelemetry's (1–24), SeverityText the text.
	SeverityNumber int
	SeverityText   string
	// Body is the body when it is a string, byte for byte; BodyValue is
	// any body as plain Go values (anyValue).
	Body       string
	BodyValue  any
	Attributes map[string]any
}

// LogRecords returns every log record written so far, in arrival order.
func (o *OtelcolOTLP) LogRecords() ([]OTLPLogRecord, error) {
	return readExported(o.OutPath, parseOTLPLogRecords)
}

// WaitLogRecords polls the output until at least n log records arrived or
// timeout passes, then returns what is there (failing the test on
// timeout).
func (o *OtelcolOTLP) WaitLogRecords(t testing.TB, n int, timeout time.Duration) []OTLPLogRecord {
	t.Helper()
	var recs []OTLPLogRecord
	var err error
	if !Poll(timeout, func() bool { recs, err = o.LogRecords(); return err == nil && len(recs) >= n }) {
		t.Fatalf("otelcol-otlp: %d log records after %s, want %d (last error: %v)\n--- log ---\n%s", len(recs), timeout, n, err, o.Log())
	}
	return recs
}

// otlpFullLogs is the OTLP-JSON shape of the fields OTLPLogRecord reports.
type otlpFullLogs struct {
	ResourceLogs []struct {
		Resource struct {
			Attributes []otlpKV `json:"attributes"`
		} `json:"resource"`
		ScopeLogs []struct {
			Scope struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			} `json:"scope"`
			LogRecords []struct {
				TimeUnixNano         string          `json:"timeUnixNano"`
				ObservedTimeUnixNano string          `json:"observedTimeUnixNano"`
				SeverityNumber       int             `json:"severityNumber"`
				SeverityText         string          `json:"severityText"`
				Body                 json.RawMessage `json:"body"`
				Attributes           []otlpKV        `json:"attributes"`
			} `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
}

// parseOTLPLogRecords turns one OTLP-JSON line into log records.
func parseOTLPLogRecords(line []byte) ([]OTLPLogRecord, error) {
	var doc otlpFullLogs
	if err := json.Unmarshal(line, &doc); err != nil {
		return nil, err
	}
	var out []OTLPLogRecord
	for _, rl := range doc.ResourceLogs {
		res, err := kvMap(rl.Resource.Attributes)
		if err != nil {
			return nil, err
		}
		for _, sl := range rl.ScopeLogs {
			for _, lr := range sl.LogRecords {
				r := OTLPLogRecord{Resource: res, Scope: sl.Scope.Name, ScopeVersion: sl.Scope.Version,
					SeverityNumber: lr.SeverityNumber, SeverityText: lr.SeverityText}
				if r.Time, err = unixNano(lr.TimeUnixNano); err != nil {
					return nil, err
				}
				if r.ObservedTime, err = unixNano(lr.ObservedTimeUnixNano); err != nil {
					return nil, err
				}
				if r.BodyValue, err = anyValue(lr.Body); err != nil {
					return nil, err
				}
				if s, ok := r.BodyValue.(string); ok {
					r.Body = s
				}
				if r.Attributes, err = kvMap(lr.Attributes); err != nil {
					return nil, err
				}
				out = append(out, r)
			}
		}
	}
	return out, nil
}

func kvMap(kvs []otlpKV) (map[string]any, error) {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		v, err := anyValue(kv.Value)
		if err != nil {
			return nil, err
		}
		m[kv.Key] = v
	}
	return m, nil
}

func unixNano(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	ns, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("unix nano %q: %w", s, err)
	}
	return time.Unix(0, ns).UTC(), nil
}
