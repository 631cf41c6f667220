package syslog

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// receiver puts rsyslog and syslog-ng behind one shape for the test matrix.
type receiver struct {
	name   string
	addr   map[string]string // network (udp, tcp, tls, lf) → address
	caFile string
	read   func(t testing.TB) []receivers.SyslogMessage
	proc   *receivers.Proc
	errors func(t testing.TB) []string
}

func startReceiver(t *testing.T, name string) *receiver {
	t.Helper()
	switch name {
	case "rsyslog":
		r := receivers.StartRsyslog(t)
		return &receiver{name: name, caFile: r.CAFile, read: r.Messages, proc: r.Proc,
			addr:   map[string]string{NetworkUDP: r.UDPAddr, NetworkTCP: r.TCPAddr, NetworkTLS: r.TLSAddr, FramingLF: r.TCPAddr},
			errors: func(testing.TB) []string { return nil }}
	case "syslog-ng":
		s := receivers.StartSyslogNG(t)
		rc := &receiver{name: name, caFile: s.CAFile, read: s.Messages, proc: s.Proc, errors: s.Errors,
			addr: map[string]string{NetworkUDP: s.UDPAddr, NetworkTCP: s.TCPAddr, NetworkTLS: s.TLSAddr, FramingLF: s.LFAddr}}
		// syslog-ng must never have complained about what the sink sent.
		t.Cleanup(func() {
			if errs := s.Errors(t); len(errs) > 0 {
				t.Errorf("syslog-ng reported errors:\n%s", strings.Join(errs, "\n"))
			}
		})
		return rc
	}
	t.Fatalf("unknown receiver %s", name)
	return nil
}

// sinkConfig points a config at the receiver over network ("lf" means tcp
// with LF framing).
func (r *receiver) sinkConfig(network string) Config {
	cfg := DefaultConfig()
	cfg.Hostname = "exporter-host"
	cfg.Address = r.addr[network]
	cfg.Network = network
	switch network {
	case FramingLF:
		cfg.Network, cfg.Framing = NetworkTCP, FramingLF
	case NetworkTLS:
		cfg.CAFile = r.caFile
	}
	return cfg
}

// waitIDs polls the receiver until every id is among the SD ids it parsed and
// returns the last message for each id and how many times each was seen.
func (r *receiver) waitIDs(t testing.TB, ids []string) (map[string]receivers.SyslogMessage, map[string]int) {
	t.Helper()
	var got map[string]receivers.SyslogMessage
	var count map[string]int
	var missing []string
	if !receivers.Poll(30*time.Second, func() bool {
		got, count, missing = map[string]receivers.SyslogMessage{}, map[string]int{}, nil
		for _, m := range r.read(t) {
			for _, el := range m.SD {
				if id := el["id"]; id != "" {
					got[id] = m
					count[id]++
				}
			}
		}
		for _, id := range ids {
			if _, ok := got[id]; !ok {
				missing = append(missing, id)
			}
		}
		return len(missing) == 0
	}) {
		t.Fatalf("%s is missing %d of %d records: %v\n--- receiver log ---\n%s", r.name, len(missing), len(ids), missing, r.proc.Log())
	}
	return got, count
}

// taggedBatch is the sample records plus the nasty one, their ids made
// unique per tag so that runs against one receiver do not mix.
func taggedBatch(tag string) []exporter.Record {
	var out []exporter.Record
	recs := sampleRecords()
	for _, name := range sampleNames {
		out = append(out, recs[name])
	}
	out = append(out, nastyRecord())
	for i := range out {
		out[i].ID = fmt.Sprintf("%s-%d-%s", tag, i, out[i].ID[:8])
	}
	return out
}

var receiverNames = []string{"rsyslog", "syslog-ng"}

// TestReceivers_RFC5424 sends every sample record (and one full of
// characters that need escaping) as JSON and as CEF over UDP, TCP, TCP with
// LF framing and TLS to real rsyslog and syslog-ng, and checks what they
// parsed: PRI, header fields, every SD param, and the body.
func TestReceivers_RFC5424(t *testing.T) {
	for _, rname := range receiverNames {
		t.Run(rname, func(t *testing.T) {
			r := startReceiver(t, rname)
			for _, network := range []string{NetworkUDP, NetworkTCP, FramingLF, NetworkTLS} {
				for _, body := range []string{BodyJSON, BodyCEF} {
					t.Run(network+"/"+body, func(t *testing.T) {
						cfg := r.sinkConfig(network)
						cfg.Body = body
						s := newTestSink(t, cfg)
						batch := taggedBatch(network + "-" + body)
						sendUntilDelivered(t, s, batch)
						got, _ := r.waitIDs(t, ids(batch))
						for _, rec := range batch {
							checkReceived(t, got[rec.ID], rec, cfg)
						}
					})
				}
			}
		})
	}
}

func ids(batch []exporter.Record) []string {
	out := make([]string, len(batch))
	for i, r := range batch {
		out[i] = r.ID
	}
	return out
}

// checkReceived compares what a receiver parsed with what rec should become.
func checkReceived(t *testing.T, m receivers.SyslogMessage, rec exporter.Record, cfg Config) {
	t.Helper()
	sev := expectedSeverity(rec)
	if m.PRI != 16*8+sev {
		t.Errorf("%s: PRI %d, want %d", rec.ID, m.PRI, 16*8+sev)
	}
	if m.Host != "exporter-host" || m.App != "ghsec-exporter" || m.ProcID != strconv.Itoa(os.Getpid()) {
		t.Errorf("%s: host %q app %q procid %q", rec.ID, m.Host, m.App, m.ProcID)
	}
	if want := headerToken(rec.Action, maxMsgID); m.MsgID != want {
		t.Errorf("%s: MSGID %q, want %q", rec.ID, m.MsgID, want)
	}
	if ts, err := time.Parse(time.RFC3339Nano, m.Timestamp); err != nil || !ts.Equal(rec.Time.Truncate(time.Microsecond)) {
		t.Errorf("%s: timestamp %q (%v), want %v", rec.ID, m.Timestamp, err, rec.Time)
	}
	want := map[string]string{"id": rec.ID, "category": string(rec.Category), "source": string(rec.Source)}
	for k, v := range map[string]string{"action": rec.Action, "org": rec.Org, "enterprise": rec.Enterprise,
		"repo": rec.Repo, "actor": rec.Actor} {
		if v != "" {
			want[k] = sdValue(v)
		}
	}
	if rec.Alert != nil {
		want["alertNumber"] = strconv.Itoa(rec.Alert.Number)
		if rec.Alert.Severity != "" {
			want["severity"] = rec.Alert.Severity
		}
	}
	if got := m.SD["ghsec@32473"]; !reflect.DeepEqual(got, want) {
		t.Errorf("%s: SD\n got %q\nwant %q", rec.ID, got, want)
	}
	if cfg.Body == BodyJSON {
		checkJSONBody(t, m.Msg, rec)
	} else {
		checkCEFBody(t, m.Msg, rec)
	}
}

func checkCEFBody(t *testing.T, msg string, rec exporter.Record) {
	t.Helper()
	ev, err := parseCEF(strings.TrimSpace(msg))
	if err != nil {
		t.Errorf("%s: %v", rec.ID, err)
		return
	}
	if want := string(rec.Source) + "." + rec.Action; ev.Header[4] != strings.ReplaceAll(want, "\n", " ") {
		t.Errorf("%s: signature %q, want %q", rec.ID, ev.Header[4], want)
	}
	want := map[string]string{"externalId": rec.ID, "act": rec.Action, "suser": rec.Actor, "cs1": rec.Repo,
		"cs2": string(rec.Source), "rt": strconv.FormatInt(rec.Time.UnixMilli(), 10)}
	if rec.Alert != nil {
		want["cn1"] = strconv.Itoa(rec.Alert.Number)
		want["request"] = rec.Alert.HTMLURL
		want["msg"] = rec.Alert.Comment
	}
	for k, w := range want {
		if w == "" {
			if _, ok := ev.Ext[k]; ok {
				t.Errorf("%s: empty %s was sent as %q", rec.ID, k, ev.Ext[k])
			}
			continue
		}
		if ev.Ext[k] != strings.ToValidUTF8(w, "\uFFFD") {
			t.Errorf("%s: CEF %s = %q, want %q", rec.ID, k, ev.Ext[k], w)
		}
	}
}

func checkJSONBody(t *testing.T, msg string, rec exporter.Record) {
	t.Helper()
	var back exporter.Record
	if err := json.Unmarshal([]byte(strings.TrimSpace(msg)), &back); err != nil {
		t.Errorf("%s: body is not the record's JSON: %v\n%s", rec.ID, err, msg)
		return
	}
	if normalize(t, back) != normalize(t, rec) {
		t.Errorf("%s: body record differs:\n got %s\nwant %s", rec.ID, normalize(t, back), normalize(t, rec))
	}
}
