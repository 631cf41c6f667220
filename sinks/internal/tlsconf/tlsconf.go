// Package tlsconf builds the TLS client configuration of every sink that
// speaks TLS (splunk_hec, syslog, email), so ca_file, cert_file, key_file,
// server_name and insecure_skip_verify mean the same thing in each.
//
// ca_file REPLACES the system roots: a sink given a ca_file trusts exactly
// the CAs in that file. Pointing a sink at a private CA is a statement
// about which issuer may vouch for the receiver; also trusting the hundred
// public roots would let any of them issue a certificate for that host.
// Without ca_file the system roots are used.
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// MinVersion is the lowest TLS version any sink negotiates.
const MinVersion = tls.VersionTLS12

// Options are a sink's TLS settings, as named in its config entry.
type Options struct {
	// CAFile is a PEM bundle of the only CAs trusted to sign the server's
	// certificate; empty means the system roots.
	CAFile string
	// CertFile and KeyFile are a client certificate and its key (mutual
	// TLS): both or neither.
	CertFile, KeyFile string
	// ServerName is the name the server's certificate must carry (and the
	// SNI sent); empty leaves it to the dialer (the host dialled).
	ServerName string
	// InsecureSkipVerify turns certificate verification off (tests only).
	InsecureSkipVerify bool
}

// Client returns the tls.Config for o. Its error names the config field
// (ca_file, cert_file) and the file, never the file's content.
func Client(o Options) (*tls.Config, error) {
	tc := &tls.Config{
		MinVersion:         MinVersion,
		ServerName:         o.ServerName,
		InsecureSkipVerify: o.InsecureSkipVerify, //nolint:gosec // opt-in, each sink warns
	}
	if o.CAFile != "" {
		pool, err := loadCAFile(o.CAFile)
		if err != nil {
			return nil, err
		}
		tc.RootCAs = pool
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return nil, fmt.Errorf("cert_file %q and key_file %q: set both or neither", o.CertFile, o.KeyFile)
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load client certificate cert_file %s: %w", o.CertFile, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// ErrNoCertificate means a ca_file holds no PEM certificate.
var ErrNoCertificate = errors.New("no PEM certificate found")

// loadCAFile reads a PEM bundle into a pool that holds only its CAs.
func loadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("read ca_file %s: %w", path, ErrNoCertificate)
	}
	return pool, nil
}
