package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestSecretRef_RefusesWhatIsNotASecretFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, maxSecretSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		fifo:        "not a regular file",
		"/dev/zero": "not a regular file", // would never end
		big:         "larger than 64 KiB",
		dir:         "not a regular file",
	} {
		_, err := SecretRef{Path: "sinks[0].token", File: file, Required: true}.Resolve()
		if err == nil || !strings.Contains(err.Error(), "sinks[0].token_file: cannot read secret file: "+want) {
			t.Errorf("%s: %v", file, err)
		}
	}
}

func TestSecretRef_TokenValueNotEchoed(t *testing.T) {
	const hec = "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba"
	for _, tt := range []struct{ file, env, want string }{
		{"", hec, "token_env: looks like a token value, not an environment variable name"},
		{hec, "", "token_file: looks like a token value, not a path"},
		{"", "ghs_abc", "token_env: looks like a token value"},
		{"", "eyJhbGciOiJSUzI1NiJ9", "token_env: looks like a token value"},
		{"", "pass word", "token_env: not an environment variable name"},
	} {
		_, err := SecretRef{Path: "token", File: tt.file, Env: tt.env, Required: true}.Resolve()
		v := tt.file + tt.env
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), v) {
			t.Errorf("%q: %v", v, err)
		}
	}
}

func writePEM(t *testing.T, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestApp_readKey(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(rk)
	for _, p := range []string{writePEM(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk)), writePEM(t, "PRIVATE KEY", pkcs8)} {
		if b, err := (&App{PrivateKeyFile: p}).readKey(); err != nil || len(b) == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec8, _ := x509.MarshalPKCS8PrivateKey(ek)
	notPEM := filepath.Join(t.TempDir(), "key.pem")
	os.WriteFile(notPEM, []byte("secret-ish garbage"), 0o600)
	for p, want := range map[string]string{
		"/nonexistent/key.pem":                  "cannot read: no such file or directory",
		notPEM:                                  "not a PEM file",
		writePEM(t, "PRIVATE KEY", ec8):         "not an RSA private key: *ecdsa.PrivateKey",
		writePEM(t, "PRIVATE KEY", []byte("x")): "not an RSA private key",
		"-----BEGIN RSA PRIVATE KEY-----\nMIIE": "looks like the key itself",
	} {
		_, err := (&App{PrivateKeyFile: p}).readKey()
		if err == nil || !strings.Contains(err.Error(), "github.app.private_key_file: "+want) || strings.Contains(err.Error(), "garbage") || strings.Contains(err.Error(), "MIIE") {
			t.Errorf("%s: %v", p, err)
		}
	}
}
