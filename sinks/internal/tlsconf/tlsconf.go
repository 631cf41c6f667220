package tlsconf

import (
	"crypto/tls"
	"crypto/x509"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
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

// Settings are the TLS keys the entries of the splunk_hec, otlp,
// elasticsearch and kafka sinks share, embedded in each Config with
// `yaml:",inline"`: ca_file, cert_file and key_file, insecure_skip_verify.
// The server name is the sink's own business (the URL's host, or kafka's
// server_name).
type Settings struct {
	// CAFile is a PEM bundle of the only CAs trusted to sign the server's
	// certificate: it replaces the system roots. Empty: the system roots.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are a client certificate (mutual TLS), both or
	// neither.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// InsecureSkipVerify turns certificate verification off (tests only;
	// each sink logs it loudly).
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// Options returns s as the Options Check and Client take, with no server
// name.
func (s Settings) Options() Options {
	return Options{CAFile: s.CAFile, CertFile: s.CertFile, KeyFile: s.KeyFile, InsecureSkipVerify: s.InsecureSkipVerify}
}

// Check checks o without reading a file, for a sink's Validate: cert_file
// and key_file go together. Its error names cert_file relative to the
// sink's entry.
func Check(o Options) error {
	if (o.CertFile == "") != (o.KeyFile == "") {
		return config.Field("cert_file", o.CertFile, "cert_file and key_file go together (client certificate)")
	}
	return nil
}

// Client reads o's files and returns the tls.Config, for a sink's resolve
// step. Its errors are *config.FieldError naming the field (ca_file,
// cert_file, key_file) relative to the sink's entry and the file, never
// the file's content: config.ErrUnreadable for a file that cannot be read
// or holds no certificate (or key) in PEM.
func Client(o Options) (*tls.Config, error) {
	if err := Check(o); err != nil {
		return nil, err
	}
	tc := &tls.Config{
		MinVersion:         MinVersion,
		ServerName:         o.ServerName,
		InsecureSkipVerify: o.InsecureSkipVerify, //nolint:gosec // opt-in, each sink warns
	}
	if o.CAFile != "" {
		pem, err := config.ReadFile("ca_file", o.CAFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, config.Unreadable("ca_file", o.CAFile, "no PEM certificate found")
		}
		tc.RootCAs = pool
	}
	if o.CertFile != "" {
		cert, err := config.ReadKeyPair("cert_file", o.CertFile, "key_file", o.KeyFile)
		if err != nil {
			return nil, err
		}
		tc.Certificates = []tls.Certificate{*cert}
	}
	return tc, nil
}
