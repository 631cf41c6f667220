package syslog

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// TestRsyslog_RFC3164 sends BSD-format messages to rsyslog over UDP, TCP
// (octet-counted and LF) and TLS. RFC 3164 has no SD, so records are found
// by their body.
func TestRsyslog_RFC3164(t *testing.T) {
	r := receivers.StartRsyslog(t)
	addr := map[string]string{NetworkUDP: r.UDPAddr, NetworkTCP: r.TCPAddr, FramingLF: r.TCPAddr, NetworkTLS: r.TLSAddr}
	for _, network := range []string{NetworkUDP, NetworkTCP, FramingLF, NetworkTLS} {
		for _, body := range []string{BodyJSON, BodyCEF} {
			t.Run(network+"/"+body, func(t *testing.T) {
				cfg := DefaultConfig()
				cfg.Format, cfg.Body, cfg.Hostname = FormatRFC3164, body, "exporter-host"
				cfg.Address, cfg.Network = addr[network], network
				switch network {
				case FramingLF:
					cfg.Network, cfg.Framing = NetworkTCP, FramingLF
				case NetworkTLS:
					cfg.CAFile = r.CAFile
				}
				s := newTestSink(t, cfg)
				batch := taggedBatch("3164-" + network + "-" + body)
				sendUntilDelivered(t, s, batch)
				got := waitBodies(t, r, batch)
				for _, rec := range batch {
					m := got[rec.ID]
					wantPRI := 16*8 + expectedSeverity(rec)
					if m.PRI != wantPRI || m.Host != "exporter-host" || m.App != "ghsec-exporter" {
						t.Errorf("%s: PRI %d host %q app %q, want %d exporter-host ghsec-exporter", rec.ID, m.PRI, m.Host, m.App, wantPRI)
					}
					if body == BodyJSON {
						checkJSONBody(t, m.Msg, rec)
					} else {
						checkCEFBody(t, m.Msg, rec)
					}
				}
			})
		}
	}
}

// expectedSeverity is the default severity map, written out independently.
func expectedSeverity(rec exporter.Record) int {
	if rec.Category == exporter.CategoryAudit {
		return 5
	}
	if s, ok := map[string]int{"critical": 2, "high": 3, "medium": 4, "low": 5, "none": 6}[rec.Alert.Severity]; ok {
		return s
	}
	return 4
}

// waitBodies waits until rsyslog has a message for every record of batch,
// recognized by the record id in its JSON or CEF body.
func waitBodies(t *testing.T, r *receivers.Rsyslog, batch []exporter.Record) map[string]receivers.SyslogMessage {
	t.Helper()
	var got map[string]receivers.SyslogMessage
	missing := 0
	if !receivers.Poll(30*time.Second, func() bool {
		got, missing = map[string]receivers.SyslogMessage{}, 0
		for _, m := range r.Messages(t) {
			body := strings.TrimSpace(m.Msg)
			var rec struct{ ID string }
			if json.Unmarshal([]byte(body), &rec) == nil && rec.ID != "" {
				got[rec.ID] = m
			} else if ev, err := parseCEF(body); err == nil {
				got[ev.Ext["externalId"]] = m
			}
		}
		for _, rec := range batch {
			if _, ok := got[rec.ID]; !ok {
				missing++
			}
		}
		return missing == 0
	}) {
		t.Fatalf("rsyslog is missing %d of %d records\n%s", missing, len(batch), r.Log())
	}
	return got
}

// TestSyslogNG_MutualTLS presents a client certificate to a syslog-ng TLS
// source that requires one.
func TestSyslogNG_MutualTLS(t *testing.T) {
	sng := receivers.StartSyslogNG(t)
	cfg := DefaultConfig()
	cfg.Network, cfg.Address, cfg.Hostname = NetworkTLS, sng.MTLSAddr, "exporter-host"
	cfg.CAFile, cfg.CertFile, cfg.KeyFile = sng.CAFile, sng.CertFile, sng.KeyFile
	cfg.ServerName = "localhost"
	s := newTestSink(t, cfg)
	batch := taggedBatch("mtls")
	sendUntilDelivered(t, s, batch)
	r := &receiver{name: "syslog-ng", read: sng.Messages, proc: sng.Proc}
	got, _ := r.waitIDs(t, ids(batch))
	for _, rec := range batch {
		if m := got[rec.ID]; m.Input != "mtls" {
			t.Errorf("%s arrived on %q, want mtls", rec.ID, m.Input)
		}
		checkReceived(t, got[rec.ID], rec, cfg)
	}
	if errs := sng.Errors(t); len(errs) > 0 {
		t.Errorf("syslog-ng errors: %s", strings.Join(errs, "\n"))
	}
}

// TestSyslogNG_RejectsLFOnSyslogSource shows why octet counting is the
// default: syslog-ng's syslog() TCP source drops LF-framed messages.
func TestSyslogNG_RejectsLFOnSyslogSource(t *testing.T) {
	sng := receivers.StartSyslogNG(t)
	cfg := DefaultConfig()
	cfg.Address, cfg.Framing = sng.TCPAddr, FramingLF
	s := newTestSink(t, cfg)
	// syslog-ng closes the connection on the bad frame; the probe after the
	// write usually sees that and reports the batch as not delivered.
	err := s.Send(t.Context(), taggedBatch("lf-on-strict"))
	if de := exporter.Classify(err); err != nil && !de.Kind.Retried() {
		t.Fatalf("err = %v, want nil or retryable", err)
	}
	t.Logf("Send: %v", err)
	if !receivers.Poll(10*time.Second, func() bool { return strings.Contains(sng.Log(), "Invalid frame header") }) {
		t.Fatalf("syslog-ng accepted LF framing on its syslog() source?\n%s", sng.Log())
	}
	if n := len(sng.Messages(t)); n != 0 {
		t.Errorf("syslog-ng parsed %d LF-framed messages", n)
	}
}
