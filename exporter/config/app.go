package config

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
)

const keyPath = "github.app.private_key_file"

// checkKeyPath checks the shape of private_key_file without reading it; a
// key pasted in where the path belongs is not echoed.
func (a *App) checkKeyPath() error {
	switch {
	case a.PrivateKeyFile == "":
		return Required(keyPath, "path of the App's PEM private key")
	case strings.Contains(a.PrivateKeyFile, "-----BEGIN") || strings.ContainsAny(a.PrivateKeyFile, "\r\n"):
		return Field(keyPath, nil, "looks like the key itself, not a path: put the key in a file and give its path here (value not shown)")
	}
	return nil
}

// readKey reads the App's private key file and checks that it holds an
// RSA private key in PEM (PKCS #1 or PKCS #8), as GitHub issues them, so
// that a bad key fails check-config rather than the first request. It
// returns the PEM bytes; errors (ErrUnreadable) name the path, never any of
// the file's content.
func (a *App) readKey() ([]byte, error) {
	if err := a.checkKeyPath(); err != nil {
		return nil, err
	}
	b, err := ReadFileLimited(a.PrivateKeyFile, maxSecretSize)
	if err != nil {
		return nil, Unreadable(keyPath, a.PrivateKeyFile, "cannot read: %v", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, Unreadable(keyPath, a.PrivateKeyFile, "not a PEM file (want the .pem private key GitHub generated for the App)")
	}
	if err := parseRSAKey(block.Bytes); err != nil {
		return nil, Unreadable(keyPath, a.PrivateKeyFile, "not an RSA private key: %v", err)
	}
	return b, nil
}

func parseRSAKey(der []byte) error {
	if _, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return nil
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return fmt.Errorf("neither PKCS #1 nor PKCS #8")
	}
	if _, ok := k.(*rsa.PrivateKey); !ok {
		return fmt.Errorf("%T, but GitHub Apps sign with RSA", k)
	}
	return nil
}
