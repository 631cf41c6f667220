package config

import (
	"crypto/tls"
	"errors"
)

// maxCertFile bounds a certificate or key file, CA bundles included (the
// system's whole bundle is about 200 KiB).
const maxCertFile = 4 << 20

// Secrets are the credentials and files the exporter's own settings name,
// read once by Resolve and handed to what uses them (the GitHub client, the
// webhook receiver), so that check-config, check, run and a reload read
// each once and accept the same.
type Secrets struct {
	// GitHubToken is github.token_file's content or github.token_env's
	// value; "" with github.app.
	GitHubToken string
	// AppPrivateKey is the PEM of github.app.private_key_file, checked to
	// hold an RSA private key; nil without github.app.
	AppPrivateKey []byte
	// WebhookSecret is webhook.secret_file's content or secret_env's value;
	// "" without a webhook section.
	WebhookSecret string
	// WebhookCert is the receiver's certificate and key from
	// webhook.tls_cert_file and tls_key_file; nil when it serves plain HTTP.
	WebhookCert *tls.Certificate
}

// Resolve reads every secret and file the validated config names: the
// GitHub token or the App's private key, the webhook secret and the
// webhook's TLS pair. It is the only place they are read. Every problem is
// returned, joined, each a *FieldError naming the field and the path or
// variable name (ErrUnreadable), never content.
func (c *Config) Resolve() (*Secrets, error) {
	var s Secrets
	var errs []error
	g := &c.GitHub
	if g.App != nil {
		key, err := g.App.readKey()
		errs = append(errs, err)
		s.AppPrivateKey = key
	} else {
		tok, err := g.tokenRef().Resolve()
		errs = append(errs, err)
		s.GitHubToken = tok
	}
	if w := c.Webhook; w != nil {
		secret, err := w.secretRef().Resolve()
		errs = append(errs, err)
		s.WebhookSecret = secret
		if w.TLSCertFile != "" {
			cert, err := ReadKeyPair("webhook.tls_cert_file", w.TLSCertFile, "webhook.tls_key_file", w.TLSKeyFile)
			errs = append(errs, err)
			s.WebhookCert = cert
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &s, nil
}

// ReadFile reads the file that config key path names (a CA bundle, a
// certificate), a regular file of at most 4 MiB; an error is ErrUnreadable
// naming path and file.
func ReadFile(path, file string) ([]byte, error) {
	b, err := ReadFileLimited(file, maxCertFile)
	if err != nil {
		return nil, Unreadable(path, file, "cannot read: %v", err)
	}
	return b, nil
}

// ReadKeyPair reads a PEM certificate (chain) and its private key from the
// files that config keys certPath and keyPath name. Errors are
// ErrUnreadable, naming the field and the file, never the key.
func ReadKeyPair(certPath, certFile, keyPath, keyFile string) (*tls.Certificate, error) {
	certPEM, err := ReadFile(certPath, certFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := ReadFileLimited(keyFile, maxSecretSize)
	if err != nil {
		return nil, Unreadable(keyPath, keyFile, "cannot read: %v", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, Unreadable(keyPath, keyFile, "not a PEM certificate and private key pair with %s: %v", certPath, err)
	}
	return &cert, nil
}
