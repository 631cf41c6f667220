package receivers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// MailpitMode selects how a test's mailpit accepts SMTP connections.
type MailpitMode int

// Mailpit variants.
const (
	// MailpitStartTLS requires STARTTLS and AUTH (user MailpitUser, password
	// MailpitPassword) on a plain SMTP port.
	MailpitStartTLS MailpitMode = iota
	// MailpitImplicitTLS speaks TLS from the first byte (SMTPS) and requires AUTH.
	MailpitImplicitTLS
	// MailpitPlain accepts unencrypted SMTP without AUTH (loopback only).
	MailpitPlain
)

// Credentials every mailpit instance with AUTH accepts.
const (
	MailpitUser     = "shipper"
	MailpitPassword = "s3cret-Pa55"
)

// Mailpit is a running mailpit owned by one test.
type Mailpit struct {
	*Proc
	t testing.TB
	// SMTPPort and APIPort are loopback ports.
	SMTPPort, APIPort int
	// CertFile is the self-signed server certificate (its own CA) when the
	// mode uses TLS.
	CertFile string
	// PasswordFile holds MailpitPassword, for a sink's password_file.
	PasswordFile string
	api          string
}

// StartMailpit starts mailpit in mode on free loopback ports with its
// database in a temporary directory. Chaos (failure injection) is always
// enabled but idle until SetChaos turns it on.
func StartMailpit(t testing.TB, mode MailpitMode) *Mailpit {
	t.Helper()
	bin := testtools.NeedExec(t, testtools.Bin("mailpit"))
	dir := t.TempDir()
	m := &Mailpit{t: t, SMTPPort: FreePort(t), APIPort: FreePort(t)}
	m.api = fmt.Sprintf("http://127.0.0.1:%d", m.APIPort)
	args := []string{
		"-d", filepath.Join(dir, "mailpit.db"),
		"-l", fmt.Sprintf("127.0.0.1:%d", m.APIPort),
		"-s", fmt.Sprintf("127.0.0.1:%d", m.SMTPPort),
		"--smtp-disable-rdns", "--disable-version-check", "--enable-chaos",
	}
	if mode != MailpitPlain {
		cert, key := TLSFiles(t, dir)
		m.CertFile = cert
		auth := filepath.Join(dir, "auth")
		if err := os.WriteFile(auth, []byte(MailpitUser+":"+MailpitPassword+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-auth-file", auth)
		if mode == MailpitImplicitTLS {
			args = append(args, "--smtp-require-tls")
		} else {
			args = append(args, "--smtp-require-starttls")
		}
	}
	m.PasswordFile = filepath.Join(dir, "smtp-password")
	if err := os.WriteFile(m.PasswordFile, []byte(MailpitPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ready := tcpReady(20*time.Second, fmt.Sprintf("127.0.0.1:%d", m.SMTPPort), fmt.Sprintf("127.0.0.1:%d", m.APIPort))
	m.Proc = Start(t, "mailpit", dir, nil, ready, bin, args...)
	return m
}

// MailAddress is an address as mailpit's API reports it.
type MailAddress struct {
	Name    string
	Address string
}

// MailSummary is one entry of mailpit's message list.
type MailSummary struct {
	ID        string
	MessageID string
	From      *MailAddress
	To        []MailAddress
	Subject   string
	Created   time.Time
	Size      int
}

// Mail is one message with its parts, as mailpit parsed it.
type Mail struct {
	ID      string
	From    *MailAddress
	To      []MailAddress
	Subject string
	Text    string
	HTML    string
	Size    int
}

// Messages lists the messages received so far, newest first.
func (m *Mailpit) Messages() []MailSummary {
	m.t.Helper()
	var out struct {
		Messages []MailSummary `json:"messages"`
	}
	m.getJSON("/api/v1/messages?limit=1000", &out)
	return out.Messages
}

// Message returns one message with its text and HTML parts.
func (m *Mailpit) Message(id string) Mail {
	m.t.Helper()
	var out Mail
	m.getJSON("/api/v1/message/"+id, &out)
	return out
}

// WaitMessages polls until at least n messages arrived or timeout passed,
// and returns them oldest first with their parts.
func (m *Mailpit) WaitMessages(n int, timeout time.Duration) []Mail {
	m.t.Helper()
	var list []MailSummary
	if !Poll(timeout, func() bool { list = m.Messages(); return len(list) >= n }) {
		m.t.Fatalf("mailpit: %d messages after %s, want %d\n--- log ---\n%s", len(list), timeout, n, m.Log())
	}
	out := make([]Mail, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, m.Message(list[i].ID))
	}
	return out
}

// SetChaos makes mailpit answer RCPT TO with code (e.g. 451 or 550) for
// every message; code 0 turns failure injection off.
func (m *Mailpit) SetChaos(code int) {
	m.t.Helper()
	body := `{}`
	if code != 0 {
		body = `{"Recipient":{"ErrorCode":` + strconv.Itoa(code) + `,"Probability":100}}`
	}
	m.do(http.MethodPut, "/api/v1/chaos", []byte(body))
}

func (m *Mailpit) getJSON(path string, v any) {
	m.t.Helper()
	if err := json.Unmarshal(m.do(http.MethodGet, path, nil), v); err != nil {
		m.t.Fatalf("mailpit %s: decode: %v", path, err)
	}
}

func (m *Mailpit) do(method, path string, body []byte) []byte {
	m.t.Helper()
	req, err := http.NewRequest(method, m.api+path, bytes.NewReader(body))
	if err != nil {
		m.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatalf("mailpit %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		m.t.Fatalf("mailpit %s %s: status %d: %s %v", method, path, resp.StatusCode, b, err)
	}
	return b
}
