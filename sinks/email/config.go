package email

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"text/template"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/tlsconf"
	"github.com/robfig/cron/v3"
)

// TLS modes.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "implicit"
	TLSNone     = "none"
)

// Default subjects; both are text/template over the mail's summary.
const (
	DefaultSubject          = "[ghsec] {{.New}} new security events — {{.PeriodEnd}}"
	DefaultImmediateSubject = "[ghsec] {{.Count}} × {{.Actions}}{{if .Repos}} in {{.Repos}}{{end}}"
)

// Config is the `email` sink's entry.
type Config struct {
	// Host and Port of the SMTP server; Port 0 means 587 for starttls, 465
	// for implicit and 25 for none.
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// TLS is starttls (required, not opportunistic), implicit (SMTPS) or
	// none (loopback hosts only).
	TLS string `yaml:"tls"`
	// CAFile is a PEM bundle of the only CAs trusted to verify the server:
	// it replaces the system roots. Empty means the system roots.
	CAFile string `yaml:"ca_file"`
	// InsecureSkipVerify turns certificate verification off (tests only).
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
	// Username enables AUTH; the password comes from a file or the environment.
	Username     string `yaml:"username"`
	PasswordFile string `yaml:"password_file"`
	PasswordEnv  string `yaml:"password_env"`

	From    string   `yaml:"from"`
	To      []string `yaml:"to"`
	Subject string   `yaml:"subject"`

	// DigestSchedule is a robfig/cron spec ("0 8 * * 1-5", "@weekly")
	// evaluated in Timezone, which also formats times in the mails.
	DigestSchedule string `yaml:"digest_schedule"`
	Timezone       string `yaml:"timezone"`
	// SkipEmpty sends no digest for a period without events.
	SkipEmpty bool `yaml:"skip_empty"`
	// ListLimit caps each list in a digest (new alerts, dismissals, ...).
	ListLimit int `yaml:"list_limit"`

	// ImmediateActions are record actions mailed right away, besides being
	// part of the digest; records arriving within ImmediateDelay of the
	// first share one mail.
	ImmediateActions []string        `yaml:"immediate_actions"`
	ImmediateDelay   config.Duration `yaml:"immediate_delay"`
	ImmediateSubject string          `yaml:"immediate_subject"`

	// Timeout bounds one SMTP conversation. Retries follow the daemon's
	// delivery backoff, like every sink's.
	Timeout config.Duration `yaml:"timeout"`
}

// DefaultConfig returns the defaults an entry is decoded over.
func DefaultConfig() Config {
	return Config{
		TLS:              TLSStartTLS,
		Subject:          DefaultSubject,
		DigestSchedule:   "0 8 * * 1-5",
		Timezone:         "UTC",
		ListLimit:        50,
		ImmediateDelay:   config.Duration(30 * time.Second),
		ImmediateSubject: DefaultImmediateSubject,
		Timeout:          config.Duration(30 * time.Second),
	}
}

// Validate checks the entry without reading anything (the password, the CA
// file and the time zone database are Resolve's) and returns every problem,
// each naming its field.
func (c *Config) Validate() error {
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	hostOK := false
	if c.Host == "" {
		add(config.Required("host", "the SMTP server's host name"))
	} else if err := config.HostField("host", c.Host); err != nil {
		add(err)
	} else {
		hostOK = true
	}
	if c.Port < 0 || c.Port > 65535 {
		add(config.Field("port", c.Port, "must be between 1 and 65535 (0 for the TLS mode's default)"))
	}
	switch c.TLS {
	case TLSStartTLS, TLSImplicit:
	case TLSNone:
		if hostOK && !isLoopback(c.Host) {
			add(config.Field("tls", c.TLS, "none sends mail and credentials in clear text; allowed only for a loopback host, not %q", c.Host))
		}
	default:
		add(config.Field("tls", c.TLS, "must be starttls, implicit or none"))
	}
	if err := c.passwordRef().Check(); err != nil {
		add(err)
	} else if c.Username == "" && (c.PasswordFile != "" || c.PasswordEnv != "") {
		add(config.Required("username", "a password is set, so set the user name too"))
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		add(config.Field("from", c.From, "not a mail address: %v", err))
	}
	if len(c.To) == 0 {
		add(config.Required("to", "at least one recipient"))
	}
	for i, to := range c.To {
		if _, err := mail.ParseAddress(to); err != nil {
			add(config.Field(fmt.Sprintf("to[%d]", i), to, "not a mail address: %v", err))
		}
	}
	if err := checkTemplate(c.Subject, &Digest{}); err != nil {
		add(config.Field("subject", c.Subject, "bad template: %v", err))
	}
	if err := checkTemplate(c.ImmediateSubject, &Immediate{}); err != nil {
		add(config.Field("immediate_subject", c.ImmediateSubject, "bad template: %v", err))
	}
	if err := config.ScheduleField("digest_schedule", c.DigestSchedule); err != nil {
		add(err)
	} else if strings.HasPrefix(c.DigestSchedule, "TZ=") || strings.HasPrefix(c.DigestSchedule, "CRON_TZ=") {
		add(config.Field("digest_schedule", c.DigestSchedule, "set the time zone with timezone, not in the spec"))
	}
	if c.Timezone == "" {
		add(badTimezone(c.Timezone))
	}
	if c.ListLimit < 1 || c.ListLimit > 1000 {
		add(config.Field("list_limit", c.ListLimit, "must be between 1 and 1000"))
	}
	for i, a := range c.ImmediateActions {
		if !knownAction(a) {
			add(config.Field(fmt.Sprintf("immediate_actions[%d]", i), a, "unknown action; use an alert action (e.g. %s) or an audit action (e.g. repo.destroy)", exporter.ActionPushProtectionBypassed))
		}
	}
	if d := c.ImmediateDelay.D(); d < 0 || d > 10*time.Minute {
		add(config.Field("immediate_delay", d, "must be between 0s and 10m"))
	}
	if d := c.Timeout.D(); d < time.Second || d > 10*time.Minute {
		add(config.Field("timeout", d, "must be between 1s and 10m"))
	}
	return errors.Join(errs...)
}

// passwordRef is the SMTP password's pair of fields, required with a user
// name: the password is mailed at 8 a.m., so a missing one must fail at
// startup.
func (c *Config) passwordRef() config.SecretRef {
	return config.SecretRef{Path: "password", File: c.PasswordFile, Env: c.PasswordEnv, Required: c.Username != ""}
}

func badTimezone(tz string) error {
	return config.Field("timezone", tz, "not an IANA time zone name (e.g. UTC, Europe/Berlin)")
}

// Resolved is a validated Config with everything New needs read and parsed
// once: the password, the TLS configuration (ca_file), the time zone, the
// digest schedule in it, and the templates. Config.Resolve makes it.
type Resolved struct {
	Config
	password string
	tls      *tls.Config
	loc      *time.Location
	schedule cron.Schedule
	tmpl     *templates
}

// Resolve reads the password and the CA file, loads the time zone and
// parses the schedule and the templates of the validated config, once.
// Errors are *config.FieldError naming the field relative to the entry
// (config.ErrUnreadable for a file or variable, never its content).
func (c *Config) Resolve() (Resolved, error) {
	r := Resolved{Config: *c}
	var errs []error
	var err error
	if r.password, err = c.passwordRef().Resolve(); err != nil {
		errs = append(errs, err)
	}
	if r.tls, err = tlsconf.Client(tlsconf.Options{CAFile: c.CAFile, ServerName: c.Host, InsecureSkipVerify: c.InsecureSkipVerify}); err != nil {
		errs = append(errs, err)
	}
	if r.loc, err = time.LoadLocation(c.Timezone); err != nil {
		errs = append(errs, badTimezone(c.Timezone))
	}
	if r.schedule, err = config.CronParser.Parse(c.DigestSchedule); err != nil {
		errs = append(errs, config.Field("digest_schedule", c.DigestSchedule, "not a cron schedule: %v", err))
	} else if sc, ok := r.schedule.(*cron.SpecSchedule); ok && r.loc != nil {
		sc.Location = r.loc
	}
	if r.tmpl, err = parseTemplates(c); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return Resolved{}, err
	}
	return r, nil
}

// port is the configured port or the TLS mode's well-known one.
func (c *Config) port() int {
	switch {
	case c.Port != 0:
		return c.Port
	case c.TLS == TLSImplicit:
		return 465
	case c.TLS == TLSNone:
		return 25
	}
	return 587
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

var alertActions = map[string]bool{
	exporter.ActionCreated: true, exporter.ActionDismissed: true, exporter.ActionFixed: true,
	exporter.ActionAutoDismissed: true, exporter.ActionReopened: true, exporter.ActionAutoReopened: true,
	exporter.ActionReintroduced: true, exporter.ActionResolved: true, exporter.ActionPushProtectionBypassed: true,
	exporter.ActionWithdrawn: true, exporter.ActionSeverityChanged: true,
}

// knownAction accepts the alert transition actions and anything shaped like
// an audit-log action ("secret_scanning_push_protection.bypass"): the audit
// log's action list is open-ended.
func knownAction(a string) bool {
	if alertActions[a] {
		return true
	}
	scope, name, ok := strings.Cut(a, ".")
	return ok && scope != "" && name != "" && !strings.ContainsAny(a, " \t")
}

// checkTemplate parses tmpl and runs it on a zero value of data's type, which
// catches fields that do not exist.
func checkTemplate(tmpl string, data any) error {
	if strings.TrimSpace(tmpl) == "" {
		return errors.New("empty")
	}
	t, err := template.New("subject").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return err
	}
	return t.Execute(discard{}, data)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
