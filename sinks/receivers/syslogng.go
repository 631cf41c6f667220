package receivers

import (
	"bytes"
	_ "embed"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

//go:embed testdata/syslog-ng.conf.tmpl
var syslogNGConf string

// SyslogNGDir is where scripts/deps/syslog-ng.sh unpacks syslog-ng-core.
func SyslogNGDir() string { return filepath.Join(testtools.Dir(), "syslog-ng") }

// SyslogNG is a running syslog-ng 3.38 owned by a test. Its syslog()
// sources are strict: on TCP and TLS they take only RFC 6587 octet-counted
// frames. Listeners: UDP, TCP, TLS (client certificate optional), MTLS
// (client certificate required, signed by CAFile) and LF (RFC 5424 with
// newline framing). Parsed messages go to <Dir>/parsed.jsonl.
type SyslogNG struct {
	*Proc
	Dir                                         string
	UDPAddr, TCPAddr, TLSAddr, MTLSAddr, LFAddr string
	// CAFile verifies the receiver; CertFile/KeyFile are a client
	// certificate the MTLS listener trusts (the same self-signed pair).
	CAFile, CertFile, KeyFile string
}

func syslogNGEnv() []string {
	d := SyslogNGDir()
	return []string{"LD_LIBRARY_PATH=" + filepath.Join(d, "usr/lib/syslog-ng"), "SYSLOGNG_PREFIX=" + filepath.Join(d, "usr")}
}

// StartSyslogNG starts syslog-ng on free loopback ports in a temporary
// directory; it is stopped at test cleanup. A missing installation skips
// the test, or fails it under CI.
func StartSyslogNG(t testing.TB) *SyslogNG {
	t.Helper()
	root := SyslogNGDir()
	bin := testtools.NeedExec(t, filepath.Join(root, "usr/sbin/syslog-ng"))
	dir := t.TempDir()
	cert, key := TLSFiles(t, dir)
	udp, tcp, tls, mtls, lf := FreeUDPPort(t), FreePort(t), FreePort(t), FreePort(t), FreePort(t)
	addr := func(p int) string { return "127.0.0.1:" + strconv.Itoa(p) }
	s := &SyslogNG{Dir: dir, UDPAddr: addr(udp), TCPAddr: addr(tcp), TLSAddr: addr(tls), MTLSAddr: addr(mtls),
		LFAddr: addr(lf), CAFile: cert, CertFile: cert, KeyFile: key}
	conf := filepath.Join(dir, "syslog-ng.conf")
	body := Subst(syslogNGConf, map[string]string{
		"DIR": dir, "CERT": cert, "KEY": key, "UDP_PORT": strconv.Itoa(udp), "TCP_PORT": strconv.Itoa(tcp),
		"TLS_PORT": strconv.Itoa(tls), "MTLS_PORT": strconv.Itoa(mtls), "LF_PORT": strconv.Itoa(lf),
	})
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ready := tcpReady(15*time.Second, s.TCPAddr, s.TLSAddr, s.MTLSAddr, s.LFAddr)
	s.Proc = Start(t, "syslog-ng", dir, syslogNGEnv(), ready, bin,
		"-F", "-e", "--no-caps", "--module-path="+filepath.Join(root, "usr/lib/syslog-ng/3.38"),
		"-f", conf, "-R", filepath.Join(dir, "persist"), "-p", filepath.Join(dir, "syslog-ng.pid"),
		"-c", filepath.Join(dir, "syslog-ng.ctl"))
	return s
}

// syslogNGLine is what format-json writes with --scope rfc5424.
type syslogNGLine struct {
	Source  string                       `json:"SOURCE"`
	PRI     int                          `json:"PRI"`
	ISODate string                       `json:"ISODATE"`
	Host    string                       `json:"HOST"`
	Program string                       `json:"PROGRAM"`
	PID     string                       `json:"PID"`
	MsgID   string                       `json:"MSGID"`
	SData   map[string]map[string]string `json:"_SDATA"`
	Message string                       `json:"MESSAGE"`
	RawMsg  string                       `json:"RAWMSG"`
}

// Messages returns what syslog-ng parsed so far, its own parse-error
// records included (see Errors).
func (s *SyslogNG) Messages(t testing.TB) []SyslogMessage {
	t.Helper()
	var out []SyslogMessage
	readJSONLines(t, filepath.Join(s.Dir, "parsed.jsonl"), func(line []byte) {
		l := decodeLine[syslogNGLine](t, "syslog-ng", line)
		out = append(out, SyslogMessage{Input: strings.TrimPrefix(l.Source, "s_"), PRI: l.PRI,
			Timestamp: l.ISODate, Host: l.Host, App: l.Program, ProcID: l.PID, MsgID: l.MsgID,
			SD: l.SData, Msg: l.Message, Raw: l.RawMsg})
	})
	return out
}

// syslogNGErrorLog matches what syslog-ng prints (with -e, on stderr) when
// it cannot frame or parse input.
var syslogNGErrorLog = regexp.MustCompile(`(?i)invalid frame header|error processing log message|error parsing|parse error|message too long|truncat`)

// Errors returns syslog-ng's complaints about the input: the error records
// it makes of messages it cannot parse ("Error processing log message: …")
// and framing or parsing errors on its stderr. It reads parsed.jsonl as a
// stream and decodes only the lines that can be error records.
func (s *SyslogNG) Errors(t testing.TB) []string {
	t.Helper()
	var errs []string
	readJSONLines(t, filepath.Join(s.Dir, "parsed.jsonl"), func(line []byte) {
		if !bytes.Contains(line, []byte("Error processing log message")) {
			return
		}
		l := decodeLine[syslogNGLine](t, "syslog-ng", line)
		if l.Program == "syslog-ng" && strings.HasPrefix(l.Message, "Error processing log message") {
			errs = append(errs, "record: "+l.Message)
		}
	})
	for _, l := range strings.Split(s.Log(), "\n") {
		if syslogNGErrorLog.MatchString(l) {
			errs = append(errs, "log: "+l)
		}
	}
	return errs
}
