package syslog

import (
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/tlsconf"
)

// Config is a `type: syslog` sink entry.
type Config struct {
	// Network is udp, tcp (default), tls or relp (RELP: every message
	// acknowledged by the receiver).
	Network string `yaml:"network"`
	// TLS runs a relp session over TLS (network: tls is TLS already).
	TLS bool `yaml:"tls"`
	// RELPWindow is how many messages may await the receiver's
	// acknowledgement at once on relp; 0 means 128.
	RELPWindow int `yaml:"relp_window"`
	// Address is the receiver's host:port.
	Address string `yaml:"address"`
	// Framing on tcp/tls: octet-counting (RFC 6587 / RFC 5425, the default)
	// or lf (newline-terminated, "non-transparent"). Not used on udp, where
	// each message is one datagram.
	Framing string `yaml:"framing"`
	// Format is rfc5424 (default) or rfc3164.
	Format string `yaml:"format"`
	// Body is json (the record, default) or cef.
	Body string `yaml:"body"`
	// Facility is a name (user, auth, local0 … local7) or number 0–23.
	Facility string `yaml:"facility"`
	// AppName is RFC 5424's APP-NAME and RFC 3164's TAG.
	AppName string `yaml:"app_name"`
	// Hostname in the header; empty means the machine's host name.
	Hostname string `yaml:"hostname"`
	// SDID names the structured-data element, name@<private enterprise number>.
	SDID string `yaml:"sd_id"`
	// Severity maps record severities to syslog severities.
	Severity SeverityMap `yaml:"severity"`
	// MaxMessageSize bounds one message in bytes, framing excluded. 0 means
	// 8192 on udp and 65536 on tcp/tls.
	MaxMessageSize int `yaml:"max_message_size"`
	// Oversize says what happens to a longer message: truncate (default: the
	// body is cut and ends in TruncationMarker) or reject (the record is
	// dead-lettered, the rest of the batch is delivered).
	Oversize string `yaml:"oversize"`
	// DialTimeout bounds connecting, TLS handshake included.
	DialTimeout config.Duration `yaml:"dial_timeout"`
	// WriteTimeout bounds writing one batch (on relp: and receiving every
	// acknowledgement of it).
	WriteTimeout config.Duration `yaml:"write_timeout"`
	// CAFile is a PEM bundle of the only CAs trusted to verify the receiver
	// (tls, and relp with tls: true): it replaces the system roots. Empty
	// means the system roots.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are the client certificate (tls), both or neither.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName is the name verified in the receiver's certificate; empty
	// means the host of Address.
	ServerName string `yaml:"server_name"`
	// Options are schema (record, ocsf, ecs: what the JSON body follows)
	// and audit_body (record, entry: GitHub's entry as the body, our id,
	// origin and observed_at in the structured data on rfc5424, under
	// format.MetaKey on rfc3164). Both apply to body: json only.
	format.Options `yaml:",inline"`
}

// Config values.
const (
	NetworkUDP = "udp"
	NetworkTCP = "tcp"
	NetworkTLS = "tls"
	// NetworkRELP is rsyslog's Reliable Event Logging Protocol (imrelp).
	NetworkRELP = "relp"

	FramingOctetCounting = "octet-counting"
	FramingLF            = "lf"

	FormatRFC5424 = "rfc5424"
	FormatRFC3164 = "rfc3164"

	BodyJSON = "json"
	BodyCEF  = "cef"

	OversizeTruncate = "truncate"
	OversizeReject   = "reject"
)

const (
	defaultUDPMax = 8192
	defaultTCPMax = 65536
	// minMessageSize leaves room for the longest header and SD element.
	minMessageSize = 2048
	// maxUDPPayload is the largest UDP payload over IPv4.
	maxUDPPayload  = 65507
	maxMessageSize = 16 << 20

	defaultRELPWindow = 128
	maxRELPWindow     = 4096
)

// DefaultConfig returns the defaults a config entry is decoded onto.
func DefaultConfig() Config {
	return Config{
		Network:      NetworkTCP,
		Format:       FormatRFC5424,
		Body:         BodyJSON,
		Facility:     "local0",
		AppName:      "ghsec-exporter",
		SDID:         "ghsec@32473",
		Severity:     DefaultSeverityMap(),
		Oversize:     OversizeTruncate,
		DialTimeout:  config.Duration(10 * time.Second),
		WriteTimeout: config.Duration(30 * time.Second),
		Options:      format.DefaultOptions(),
	}
}

// Validate checks the config without reading anything (the TLS files are
// Resolve's) and fills the defaults that depend on the transport (framing,
// max_message_size). Errors are *config.FieldError naming the field
// relative to the sink entry, joined.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field string, v any, format string, args ...any) {
		errs = append(errs, config.Field(field, v, format, args...))
	}
	framed := c.Network == NetworkTCP || c.Network == NetworkTLS
	stream := framed || c.Network == NetworkRELP
	switch c.Network {
	case NetworkUDP, NetworkTCP, NetworkTLS, NetworkRELP:
	default:
		bad("network", c.Network, "must be udp, tcp, tls or relp")
	}
	if err := config.HostPortField("address", c.Address, "syslog.example.com:6514", true); err != nil {
		errs = append(errs, err)
	}
	switch {
	case c.Framing == "" && framed:
		c.Framing = FramingOctetCounting
	case c.Framing == "":
	case !framed:
		bad("framing", c.Framing, "applies to tcp and tls only; on udp every message is one datagram, on relp one command")
	case c.Framing != FramingOctetCounting && c.Framing != FramingLF:
		bad("framing", c.Framing, "must be octet-counting or lf")
	}
	if c.Format != FormatRFC5424 && c.Format != FormatRFC3164 {
		bad("format", c.Format, "must be rfc5424 or rfc3164")
	}
	if c.Body != BodyJSON && c.Body != BodyCEF {
		bad("body", c.Body, "must be json or cef")
	}
	if err := c.Options.Validate(); err != nil {
		errs = append(errs, err)
	} else if c.Body == BodyCEF {
		// CEF is a schema of its own, with GitHub's action in act
		if c.Schema != "" && c.Schema != format.SchemaRecord {
			bad("schema", c.Schema, "applies to body: json only (CEF has its own fields)")
		}
		if c.AuditBody == format.AuditBodyEntry {
			bad("audit_body", c.AuditBody, "applies to body: json only (CEF has its own fields)")
		}
	}
	if _, err := parseFacility(c.Facility); err != nil {
		bad("facility", c.Facility, "%v", err)
	}
	if _, err := c.Severity.resolve(); err != nil {
		var ke *keyError
		errors.As(err, &ke)
		bad("severity."+ke.key, ke.val, "%v", ke.err)
	}
	appMax := 48
	if c.Format == FormatRFC3164 {
		appMax = 32
	}
	if !printASCII(c.AppName) || len(c.AppName) > appMax || strings.ContainsAny(c.AppName, ":[") {
		bad("app_name", c.AppName, "must be 1–%d printable ASCII characters without spaces, ':' or '['", appMax)
	}
	if c.Hostname != "" && (!printASCII(c.Hostname) || len(c.Hostname) > 255) {
		bad("hostname", c.Hostname, "must be at most 255 printable ASCII characters without spaces")
	}
	if !validSDID(c.SDID) {
		bad("sd_id", c.SDID, "must be name@number (an SD-ID with a private enterprise number), at most 32 characters")
	}
	c.validateSize(stream, bad)
	if c.DialTimeout <= 0 {
		bad("dial_timeout", time.Duration(c.DialTimeout), "must be positive")
	}
	if c.WriteTimeout <= 0 {
		bad("write_timeout", time.Duration(c.WriteTimeout), "must be positive")
	}
	c.validateRELP(bad)
	c.validateTLS(&errs, bad)
	return errors.Join(errs...)
}

func (c *Config) validateSize(stream bool, bad func(string, any, string, ...any)) {
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = defaultUDPMax
		if stream {
			c.MaxMessageSize = defaultTCPMax
		}
	}
	limit := maxMessageSize
	if !stream {
		limit = maxUDPPayload
	}
	if c.MaxMessageSize < minMessageSize || c.MaxMessageSize > limit {
		bad("max_message_size", c.MaxMessageSize, "must be between %d and %d bytes on %s", minMessageSize, limit, c.Network)
	}
	if c.Oversize != OversizeTruncate && c.Oversize != OversizeReject {
		bad("oversize", c.Oversize, "must be truncate or reject")
	}
}

// validateRELP checks the relp-only options and fills the window default.
func (c *Config) validateRELP(bad func(string, any, string, ...any)) {
	if c.Network != NetworkRELP {
		if c.TLS {
			bad("tls", c.TLS, "applies to network: relp only (use network: tls for syslog over TLS)")
		}
		if c.RELPWindow != 0 {
			bad("relp_window", c.RELPWindow, "applies to network: relp only")
		}
		return
	}
	if c.RELPWindow == 0 {
		c.RELPWindow = defaultRELPWindow
	}
	if c.RELPWindow < 1 || c.RELPWindow > maxRELPWindow {
		bad("relp_window", c.RELPWindow, "must be between 1 and %d messages", maxRELPWindow)
	}
}

// useTLS reports whether the connection is TLS: network: tls, or relp with
// tls: true.
func (c *Config) useTLS() bool {
	return c.Network == NetworkTLS || c.Network == NetworkRELP && c.TLS
}

// validateTLS checks the TLS options' shape; Resolve reads their files.
func (c *Config) validateTLS(errs *[]error, bad func(string, any, string, ...any)) {
	if !c.useTLS() {
		for _, f := range []struct{ field, v string }{{"ca_file", c.CAFile}, {"cert_file", c.CertFile}, {"key_file", c.KeyFile}, {"server_name", c.ServerName}} {
			if f.v != "" {
				bad(f.field, f.v, "applies to network: tls and to relp with tls: true only")
			}
		}
		return
	}
	if err := tlsconf.Check(tlsconf.Options{CertFile: c.CertFile, KeyFile: c.KeyFile}); err != nil {
		*errs = append(*errs, err)
	}
}

// Resolved is a validated Config with what New needs from outside it: the
// TLS configuration built from ca_file, cert_file and key_file (nil
// without TLS). Config.Resolve makes it, the only place the sink reads
// those files.
type Resolved struct {
	Config
	tls *tls.Config
}

// Resolve reads the TLS files of the validated config, once. Errors are
// *config.FieldError (config.ErrUnreadable) naming the field relative to
// the entry and the file, never its content.
func (c *Config) Resolve() (Resolved, error) {
	r := Resolved{Config: *c}
	if !c.useTLS() {
		return r, nil
	}
	name := c.ServerName
	if name == "" {
		// Validate checked address is host:port
		name, _, _ = net.SplitHostPort(c.Address)
	}
	tc, err := tlsconf.Client(tlsconf.Options{CAFile: c.CAFile, CertFile: c.CertFile, KeyFile: c.KeyFile, ServerName: name})
	if err != nil {
		return Resolved{}, err
	}
	r.tls = tc
	return r, nil
}

// printASCII reports whether s is non-empty PRINTUSASCII (%d33-126).
func printASCII(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 33 || s[i] > 126 {
			return false
		}
	}
	return true
}

// validSDID checks an RFC 5424 SD-ID of the private form name@digits.
func validSDID(s string) bool {
	name, pen, ok := strings.Cut(s, "@")
	if !ok || name == "" || pen == "" || len(s) > 32 || !printASCII(s) || strings.ContainsAny(s, "= ]\"") {
		return false
	}
	for i := 0; i < len(pen); i++ {
		if pen[i] != '.' && (pen[i] < '0' || pen[i] > '9') {
			return false
		}
	}
	return !strings.Contains(pen, "@")
}
