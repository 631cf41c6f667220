package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every field error carries its kind, through Prefix and errors.Join, and
// one built without a kind (the strict decoder's) is ErrInvalid.
func TestFieldError_Is(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want error
	}{
		{Field("a", 1, "bad"), ErrInvalid},
		{Required("a", "something"), ErrRequired},
		{Conflict("a_file", "not both"), ErrConflict},
		{Unreadable("a_file", "/x", "cannot read"), ErrUnreadable},
		{&FieldError{Path: "a", Msg: "unknown key"}, ErrInvalid},
		{Prefix("sinks[1]", errors.Join(Field("x", 1, "bad"), Unreadable("tls.ca_file", "/ca", "cannot read"))), ErrUnreadable},
	} {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%v is not %v", tt.err, tt.want)
		}
	}
	err := Prefix("sinks[1]", Unreadable("tls.ca_file", "/ca.pem", "cannot read: %v", os.ErrNotExist))
	if err.Error() != `sinks[1].tls.ca_file: cannot read: file does not exist (got "/ca.pem")` || errors.Is(err, ErrInvalid) {
		t.Errorf("prefixed: %v", err)
	}
	if err := Required("sinks[0].type", ""); err.Error() != "sinks[0].type: missing" {
		t.Errorf("bare Required: %v", err)
	}
}

// resolveDoc is a config that names a token file, a webhook secret file
// and a webhook TLS pair, for the tests to point at files or at nothing.
func resolveDoc(token, secret, cert, key string) string {
	return fmt.Sprintf(`
github: {token_file: %q, orgs: [acme]}
state: {path: s.db}
webhook: {listen: "127.0.0.1:0", secret_file: %q, tls_cert_file: %q, tls_key_file: %q}
sinks: [{name: out, type: file}]
`, token, secret, cert, key)
}

// Validate (through Decode) reads nothing: a config whose files are all
// missing passes it, and Resolve names each file's field, its path and
// ErrUnreadable.
func TestResolve_ValidateReadsNothing(t *testing.T) {
	dir := t.TempDir()
	missing := func(name string) string { return filepath.Join(dir, name) }
	cfg, err := Decode(strings.NewReader(resolveDoc(missing("token"), missing("secret"), missing("cert.pem"), missing("key.pem"))))
	if err != nil {
		t.Fatalf("Decode = %v, want nil: it reads no file", err)
	}
	s, err := cfg.Resolve()
	if s != nil || !errors.Is(err, ErrUnreadable) {
		t.Fatalf("Resolve = %v, %v; want ErrUnreadable", s, err)
	}
	var paths []string
	for _, e := range Flatten(err) {
		var fe *FieldError
		if !errors.As(e, &fe) || fe.Err != ErrUnreadable {
			t.Fatalf("not an ErrUnreadable *FieldError: %v", e)
		}
		paths = append(paths, fe.Path)
		if !strings.Contains(e.Error(), dir) {
			t.Errorf("%v does not name the file", e)
		}
	}
	if got := strings.Join(paths, " "); got != "github.token_file webhook.secret_file webhook.tls_cert_file" {
		t.Errorf("fields %s", got)
	}
}

// Resolve returns what it read: secrets less trailing newlines, the
// webhook's certificate and key.
func TestResolve_ReadsSecretsAndFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// a self-signed pair (CN=localhost); a key pair's dates are not checked
	cfg, err := Decode(strings.NewReader(resolveDoc(write("token", "gh-token\n"), write("secret", "hook-secret\r\n"),
		"testdata/webhook-cert.pem", "testdata/webhook-key.pem")))
	if err != nil {
		t.Fatal(err)
	}
	s, err := cfg.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	if s.GitHubToken != "gh-token" || s.WebhookSecret != "hook-secret" || s.WebhookCert == nil || len(s.WebhookCert.Certificate) != 1 || s.AppPrivateKey != nil {
		t.Fatalf("secrets %+v", s)
	}

	// a key that does not belong to the certificate names the key file
	cfg.Webhook.TLSCertFile = "testdata/other-cert.pem"
	_, err = cfg.Resolve()
	if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "webhook.tls_key_file: not a PEM certificate and private key pair with webhook.tls_cert_file") ||
		strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Fatalf("mismatched pair: %v", err)
	}
}
