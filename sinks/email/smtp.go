package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// mailer makes one SMTP conversation per mail: digests are rare, so a kept
// connection would mostly be a connection the server has closed.
type mailer struct {
	cfg      Config
	password string
	tls      *tls.Config
	version  string
}

func newMailer(cfg Config, password, version string) (*mailer, error) {
	tc := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.InsecureSkipVerify} //nolint:gosec // opt-in
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file %s: no PEM certificate found", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	return &mailer{cfg: cfg, password: password, tls: tc, version: version}, nil
}

// message builds a multipart/alternative mail: text first, HTML preferred.
func (m *mailer) message(r rendered, date time.Time) (*mail.Msg, error) {
	msg := mail.NewMsg()
	if err := msg.From(m.cfg.From); err != nil {
		return nil, fmt.Errorf("set from: %w", err)
	}
	if err := msg.To(m.cfg.To...); err != nil {
		return nil, fmt.Errorf("set to: %w", err)
	}
	msg.Subject(r.Subject)
	msg.SetDateWithValue(date)
	msg.SetMessageID()
	// RFC 3834: tells auto-responders not to answer a machine's mail.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(mail.HeaderXMailer, "ghsec-exporter "+m.version)
	msg.SetBodyString(mail.TypeTextPlain, r.Text)
	msg.AddAlternativeString(mail.TypeTextHTML, r.HTML)
	return msg, nil
}

// send makes one delivery attempt. Its error is a *smtpError saying whether
// a retry may succeed.
func (m *mailer) send(ctx context.Context, msg *mail.Msg) error {
	c, err := m.client()
	if err != nil {
		return &smtpError{err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout.D())
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return classify(err)
	}
	return nil
}

// client configures one SMTP conversation: port, TLS policy and AUTH.
func (m *mailer) client() (*mail.Client, error) {
	opts := []mail.Option{
		mail.WithPort(m.cfg.port()),
		mail.WithTimeout(m.cfg.Timeout.D()),
		mail.WithTLSConfig(m.tls),
	}
	switch m.cfg.TLS {
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if m.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(m.cfg.Username), mail.WithPassword(m.password))
	}
	c, err := mail.NewClient(m.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("configure smtp client: %w", err)
	}
	return c, nil
}

// smtpError is a failed attempt: Code is the server's reply code (0 when
// the failure was not a reply), Temporary whether retrying soon may help.
type smtpError struct {
	err       error
	Code      int
	Temporary bool
}

func (e *smtpError) Error() string { return e.err.Error() }
func (e *smtpError) Unwrap() error { return e.err }

// classify maps a go-mail failure to a reply code and retryability: 4xx and
// network trouble are temporary; 5xx replies (a refused recipient, failed
// AUTH) and certificate errors need a change somewhere and wait for the next
// schedule.
func classify(err error) *smtpError {
	var se *mail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		return &smtpError{err: err, Code: se.ErrorCode(), Temporary: se.ErrorCode()/100 == 4}
	}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return &smtpError{err: err, Code: tp.Code, Temporary: tp.Code/100 == 4}
	}
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		verify           *tls.CertificateVerificationError
	)
	if errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &verify) {
		return &smtpError{err: err}
	}
	var record tls.RecordHeaderError
	if errors.As(err, &record) {
		return &smtpError{err: err} // TLS to a plain-text port, or the reverse
	}
	// go-mail reports a server lacking STARTTLS or the AUTH mechanism only
	// as text; both are configuration problems a quick retry cannot fix.
	if strings.Contains(err.Error(), "does not support") {
		return &smtpError{err: err}
	}
	return &smtpError{err: err, Temporary: true}
}
