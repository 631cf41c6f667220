package receivers

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

//go:embed testdata/rsyslog.conf.tmpl
var rsyslogConf string

// RsyslogBin is where Debian's rsyslog package installs the daemon.
const RsyslogBin = "/usr/sbin/rsyslogd"

// SyslogMessage is one message as a syslog receiver parsed it, in a shape
// common to rsyslog and syslog-ng.
type SyslogMessage struct {
	// Input is the listener it arrived on: udp, tcp, tls (for syslog-ng
	// also mtls, lf; for rsyslog also relp, relptls, relpmtls).
	Input     string
	PRI       int
	Timestamp string
	Host      string
	App       string
	ProcID    string
	MsgID     string
	// SD is the structured data, element id → param name → unescaped value.
	SD  map[string]map[string]string
	Msg string
	// Raw is the message as received, framing removed.
	Raw string
}

// Rsyslog is a running rsyslogd owned by a test: UDP, TCP (LF and
// octet-counted framing on one port) and TLS (ossl driver, anonymous client
// authentication) listeners on loopback, and when imrelp is installed RELP
// listeners (plain, TLS, TLS requiring a client certificate), all parsing
// RFC 5424 structured data with mmpstrucdata into <Dir>/parsed.jsonl.
type Rsyslog struct {
	*Proc
	Dir                       string
	UDPAddr, TCPAddr, TLSAddr string
	// RELPAddr, RELPTLSAddr and RELPMTLSAddr are the imrelp listeners;
	// empty when imrelp is not installed (see NeedRELP).
	RELPAddr, RELPTLSAddr, RELPMTLSAddr string
	// CAFile verifies the receiver's certificate (self-signed, localhost).
	// CertFile/KeyFile are a client certificate the RELP mTLS listener
	// trusts (the same self-signed pair).
	CAFile, CertFile, KeyFile string
}

// RsyslogIMRELP is the imrelp module of Debian's rsyslog-relp package.
func RsyslogIMRELP() string {
	arch := map[string]string{"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}[runtime.GOARCH]
	if arch == "" {
		arch = runtime.GOARCH + "-linux-gnu"
	}
	return "/usr/lib/" + arch + "/rsyslog/imrelp.so"
}

// NeedRELP skips the test when rsyslogd or its imrelp module is not
// installed, and fails it under CI.
func NeedRELP(t testing.TB) {
	t.Helper()
	testtools.NeedExec(t, RsyslogBin)
	if _, err := os.Stat(RsyslogIMRELP()); err != nil {
		testtools.Missing(t, fmt.Sprintf("rsyslog module %s is not installed (Debian rsyslog-relp)", RsyslogIMRELP()))
	}
}

// StartRsyslog starts rsyslogd on free loopback ports in a temporary
// directory; it is stopped at test cleanup. Missing rsyslogd skips the
// test, or fails it under CI.
func StartRsyslog(t testing.TB) *Rsyslog {
	t.Helper()
	bin := testtools.NeedExec(t, RsyslogBin)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "work"), 0o755); err != nil {
		t.Fatal(err)
	}
	cert, key := TLSFiles(t, dir)
	udp, tcp, tls := FreeUDPPort(t), FreePort(t), FreePort(t)
	relp, relpTLS, relpMTLS := FreePort(t), FreePort(t), FreePort(t)
	_, err := os.Stat(RsyslogIMRELP())
	haveRELP := err == nil
	relpOn := "# "
	if haveRELP {
		relpOn = ""
	}
	conf := filepath.Join(dir, "rsyslog.conf")
	body := Subst(rsyslogConf, map[string]string{
		"DIR": dir, "CERT": cert, "KEY": key,
		"UDP_PORT": strconv.Itoa(udp), "TCP_PORT": strconv.Itoa(tcp), "TLS_PORT": strconv.Itoa(tls),
		"RELP": relpOn, "RELP_PORT": strconv.Itoa(relp), "RELP_TLS_PORT": strconv.Itoa(relpTLS),
		"RELP_MTLS_PORT": strconv.Itoa(relpMTLS),
	})
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &Rsyslog{
		Dir:     dir,
		UDPAddr: "127.0.0.1:" + strconv.Itoa(udp), TCPAddr: "127.0.0.1:" + strconv.Itoa(tcp),
		TLSAddr: "127.0.0.1:" + strconv.Itoa(tls), CAFile: cert, CertFile: cert, KeyFile: key,
	}
	wait := []string{r.TCPAddr, r.TLSAddr}
	if haveRELP {
		r.RELPAddr = "127.0.0.1:" + strconv.Itoa(relp)
		r.RELPTLSAddr = "127.0.0.1:" + strconv.Itoa(relpTLS)
		r.RELPMTLSAddr = "127.0.0.1:" + strconv.Itoa(relpMTLS)
		wait = append(wait, r.RELPAddr, r.RELPTLSAddr, r.RELPMTLSAddr)
	}
	// imudp is declared before imtcp, so once TCP accepts, UDP is bound too.
	r.Proc = Start(t, "rsyslog", dir, nil, tcpReady(15*time.Second, wait...), bin, "-n", "-f", conf, "-i", filepath.Join(dir, "rsyslogd.pid"))
	return r
}

// rsyslogLine is what the receiver's "parsed" template writes.
type rsyslogLine struct {
	Input     string          `json:"input"`
	PRI       string          `json:"pri"`
	Timestamp string          `json:"timestamp"`
	Host      string          `json:"host"`
	App       string          `json:"app"`
	ProcID    string          `json:"procid"`
	MsgID     string          `json:"msgid"`
	SDJSON    json.RawMessage `json:"sdjson"`
	Msg       string          `json:"msg"`
	Raw       string          `json:"raw"`
}

// Messages returns what rsyslog parsed so far.
func (r *Rsyslog) Messages(t testing.TB) []SyslogMessage {
	t.Helper()
	var out []SyslogMessage
	readJSONLines(t, filepath.Join(r.Dir, "parsed.jsonl"), func(line []byte) {
		l := decodeLine[rsyslogLine](t, "rsyslog", line)
		m := SyslogMessage{Input: l.Input, Timestamp: l.Timestamp, Host: l.Host, App: l.App,
			ProcID: l.ProcID, MsgID: l.MsgID, Msg: l.Msg, Raw: l.Raw}
		m.PRI, _ = strconv.Atoi(l.PRI)
		// mmpstrucdata leaves "" when there is no structured data.
		if len(l.SDJSON) > 0 && l.SDJSON[0] == '{' {
			if err := json.Unmarshal(l.SDJSON, &m.SD); err != nil {
				t.Fatalf("rsyslog sdjson: %v: %s", err, l.SDJSON)
			}
		}
		out = append(out, m)
	})
	return out
}

// decodeLine decodes one line of a receiver's parsed.jsonl as its template
// writes it (L), failing t, naming the receiver, on one that does not.
func decodeLine[L any](t testing.TB, receiver string, line []byte) L {
	t.Helper()
	var l L
	if err := json.Unmarshal(line, &l); err != nil {
		t.Fatalf("%s parsed.jsonl: %v: %s", receiver, err, line)
	}
	return l
}

// readJSONLines calls fn for every complete line of path; a missing file
// has no lines. A last line without its newline is still being written. It
// streams: the receivers' outputs of a benchmark are hundreds
// of megabytes.
func readJSONLines(t testing.TB, path string, fn func(line []byte)) {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			return // a last line without its newline is still being written
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		if len(bytes.TrimSpace(line)) > 0 {
			fn(line[:len(line)-1])
		}
	}
}
