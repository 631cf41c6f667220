package kafka

import (
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/tlsconf"
)

// Config is a `type: kafka` sink entry.
type Config struct {
	// Brokers are the seed brokers, host:port; the client learns the
	// rest of the cluster from their metadata.
	Brokers []string `yaml:"brokers"`
	// Topics names the topic of each record category; an empty category
	// goes to Default.
	Topics Topics `yaml:"topics"`
	// Key is what a message is keyed (and so partitioned) by: record_id
	// (default: spread evenly) or alert (every record about one alert on
	// one partition, in order: "<source>/<repo>#<number>"; records about
	// no alert are keyed by their id).
	Key string `yaml:"key"`
	// ClientID is the Kafka client.id the brokers log and quota by.
	ClientID string `yaml:"client_id"`
	// Compression is none (default), gzip, snappy, lz4 or zstd.
	Compression string `yaml:"compression"`
	// MaxMessageBytes bounds one message (key, value and headers); a
	// record whose message is larger is dead-lettered without being sent.
	// Keep it at most the topics' max.message.bytes.
	MaxMessageBytes int `yaml:"max_message_bytes"`
	// ProduceTimeout bounds one Send: producing the batch and waiting for
	// every acknowledgement, the client's own retries (leader changes,
	// reconnects) included.
	ProduceTimeout config.Duration `yaml:"produce_timeout"`
	// DialTimeout bounds connecting to one broker, TLS and SASL included.
	DialTimeout config.Duration `yaml:"dial_timeout"`
	// TLS turns TLS on; Settings (ca_file, cert_file, key_file,
	// insecure_skip_verify) and ServerName need it.
	TLS              bool `yaml:"tls"`
	tlsconf.Settings `yaml:",inline"`
	// ServerName is the name the brokers' certificates must carry; empty:
	// the host dialled.
	ServerName string `yaml:"server_name"`
	// SASL authenticates the client; mechanism "" means none.
	SASL SASL `yaml:"sasl"`
	// Options are schema (record, ocsf, ecs) and audit_body (record,
	// entry: GitHub's entry as the value, our id, origin and observed_at
	// in headers).
	format.Options `yaml:",inline"`
}

// Topics are the topic names per record category.
type Topics struct {
	Default string `yaml:"default"`
	Alert   string `yaml:"alert"`
	Audit   string `yaml:"audit"`
	Request string `yaml:"request"`
}

// For returns the topic of category c.
func (t Topics) For(c exporter.Category) string {
	var s string
	switch c {
	case exporter.CategoryAlert:
		s = t.Alert
	case exporter.CategoryAudit:
		s = t.Audit
	case exporter.CategoryRequest:
		s = t.Request
	}
	if s == "" {
		return t.Default
	}
	return s
}

// names returns every distinct topic the config can produce to, in a
// stable order.
func (t Topics) names() []string {
	var out []string
	for _, c := range []exporter.Category{exporter.CategoryAlert, exporter.CategoryAudit, exporter.CategoryRequest} {
		if n := t.For(c); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// SASL configures SASL authentication.
type SASL struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
	Mechanism string `yaml:"mechanism"`
	Username  string `yaml:"username"`
	// PasswordFile / PasswordEnv hold the password: one of the two.
	PasswordFile string `yaml:"password_file"`
	PasswordEnv  string `yaml:"password_env"`
}

// Config values.
const (
	KeyRecordID = "record_id"
	KeyAlert    = "alert"

	MechanismPlain       = "PLAIN"
	MechanismSCRAMSHA256 = "SCRAM-SHA-256"
	MechanismSCRAMSHA512 = "SCRAM-SHA-512"

	// DefaultTopic is where every category goes unless configured.
	DefaultTopic = "github.security"
	// DefaultMaxMessageBytes is Kafka's default max.message.bytes less the
	// record batch's overhead.
	DefaultMaxMessageBytes = 1000000
	// maxMessageBytes is far above any broker's default; a larger value is
	// a typo.
	maxMessageBytes = 64 << 20
)

var compressions = []string{"none", "gzip", "snappy", "lz4", "zstd"}

// DefaultConfig returns the defaults an entry is decoded onto.
func DefaultConfig() Config {
	return Config{
		Topics:          Topics{Default: DefaultTopic},
		Key:             KeyRecordID,
		ClientID:        "ghsec-exporter",
		Compression:     "none",
		MaxMessageBytes: DefaultMaxMessageBytes,
		ProduceTimeout:  config.Duration(30 * time.Second),
		DialTimeout:     config.Duration(10 * time.Second),
		Options:         format.DefaultOptions(),
	}
}

// Validate checks the config's shape without reading anything (the
// password and TLS files are Resolve's). Errors are *config.FieldError
// naming fields relative to the entry, joined.
func (c *Config) Validate() error {
	errs := []error{c.Options.Validate()}
	bad := func(field string, v any, format string, args ...any) {
		errs = append(errs, config.Field(field, v, format, args...))
	}
	if len(c.Brokers) == 0 {
		errs = append(errs, config.Required("brokers", "list at least one seed broker, e.g. [kafka-1:9092]"))
	}
	for i, b := range c.Brokers {
		if err := config.HostPortField(fmt.Sprintf("brokers[%d]", i), b, "kafka-1:9092", true); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Topics.Default == "" {
		errs = append(errs, config.Required("topics.default", "name the topic of the categories without their own"))
	}
	for _, t := range []struct{ field, name string }{
		{"topics.default", c.Topics.Default}, {"topics.alert", c.Topics.Alert},
		{"topics.audit", c.Topics.Audit}, {"topics.request", c.Topics.Request},
	} {
		if t.name != "" {
			if msg := topicProblem(t.name); msg != "" {
				bad(t.field, t.name, "%s", msg)
			}
		}
	}
	if c.Key != KeyRecordID && c.Key != KeyAlert {
		bad("key", c.Key, "must be record_id or alert")
	}
	if c.ClientID == "" {
		errs = append(errs, config.Required("client_id", "must not be empty"))
	}
	if !slices.Contains(compressions, c.Compression) {
		bad("compression", c.Compression, "must be one of %s", strings.Join(compressions, ", "))
	}
	if c.MaxMessageBytes < 1024 || c.MaxMessageBytes > maxMessageBytes {
		bad("max_message_bytes", c.MaxMessageBytes, "must be between 1024 and %d", maxMessageBytes)
	}
	if c.ProduceTimeout.D() < time.Second {
		bad("produce_timeout", c.ProduceTimeout.D(), "must be at least 1s")
	}
	if c.DialTimeout.D() <= 0 {
		bad("dial_timeout", c.DialTimeout.D(), "must be positive")
	}
	if !c.TLS {
		for _, f := range []struct {
			field string
			set   bool
		}{{"ca_file", c.CAFile != ""}, {"cert_file", c.CertFile != ""}, {"server_name", c.ServerName != ""}, {"insecure_skip_verify", c.InsecureSkipVerify}} {
			if f.set {
				errs = append(errs, config.Conflict(f.field, "%s needs tls: true", f.field))
			}
		}
	}
	errs = append(errs, tlsconf.Check(c.tlsOptions()))
	errs = append(errs, c.SASL.validate())
	return errors.Join(errs...)
}

func (s *SASL) validate() error {
	switch s.Mechanism {
	case "":
		if s.Username != "" || s.PasswordFile != "" || s.PasswordEnv != "" {
			return config.Required("sasl.mechanism", "set PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 to use sasl.username and its password")
		}
		return nil
	case MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512:
	default:
		return config.Field("sasl.mechanism", s.Mechanism, "must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
	}
	var errs []error
	if s.Username == "" {
		errs = append(errs, config.Required("sasl.username", "%s needs a username", s.Mechanism))
	}
	return errors.Join(append(errs, s.passwordRef().Check())...)
}

func (s *SASL) passwordRef() config.SecretRef {
	return config.SecretRef{Path: "sasl.password", File: s.PasswordFile, Env: s.PasswordEnv, Required: s.Mechanism != ""}
}

// topicProblem says what is wrong with a Kafka topic name, "" if nothing:
// Kafka takes at most 249 of [a-zA-Z0-9._-], and not "." or "..".
func topicProblem(t string) string {
	if t == "." || t == ".." {
		return "is not a topic name"
	}
	if len(t) > 249 {
		return "is longer than Kafka's 249 characters"
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return "may hold only letters, digits, '.', '_' and '-'"
		}
	}
	return ""
}

func (c *Config) tlsOptions() tlsconf.Options {
	o := c.Settings.Options()
	o.ServerName = c.ServerName
	return o
}

// Resolved is a validated Config with what New needs from outside it: the
// SASL password and the TLS configuration. Config.Resolve makes it, the
// only place the sink reads them.
type Resolved struct {
	Config
	password string
	tls      *tls.Config // nil without tls: true
}

// Resolve reads the SASL password and the TLS files of the validated
// config, once. Errors are *config.FieldError (config.ErrUnreadable)
// naming the field relative to the entry and the file or variable, never
// its content.
func (c *Config) Resolve() (Resolved, error) {
	var errs []error
	r := Resolved{Config: *c}
	if c.SASL.Mechanism != "" {
		pw, err := c.SASL.passwordRef().Resolve()
		r.password, errs = pw, append(errs, err)
	}
	if c.TLS {
		tc, err := tlsconf.Client(c.tlsOptions())
		r.tls, errs = tc, append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return Resolved{}, err
	}
	return r, nil
}
