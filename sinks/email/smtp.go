package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
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

// send makes one delivery attempt. Its error is classified for the
// Attempter: retryable, permanent or paused (see classify).
func (m *mailer) send(ctx context.Context, msg *mail.Msg) error {
	c, err := m.client()
	if err != nil {
		return exporter.Paused(err)
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

// smtpError is a failed attempt with the server's reply code (0 when the
// failure was not a reply).
type smtpError struct {
	err  error
	Code int
}

func (e *smtpError) Error() string { return e.err.Error() }
func (e *smtpError) Unwrap() error { return e.err }

// authCodes are the replies that say the credentials are wrong or missing
// (RFC 4954): an operator must act, so delivery pauses with mail kept.
var authCodes = map[int]bool{530: true, 534: true, 535: true, 538: true}

// classify maps a go-mail failure to the delivery loop's classes: 4xx
// replies and network trouble are retryable; AUTH failures, certificate
// errors and a server lacking STARTTLS or the AUTH mechanism need an
// operator and pause; any other 5xx (a refused recipient) is permanent, and
// the mail waits for the next schedule.
func classify(err error) error {
	code := 0
	var se *mail.SendError
	var tp *textproto.Error
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		code = se.ErrorCode()
	} else if errors.As(err, &tp) {
		code = tp.Code
	}
	e := &smtpError{err: err, Code: code}
	switch {
	case authCodes[code]:
		return exporter.Paused(e)
	case code/100 == 4:
		return exporter.Retryable(e, 0)
	case code/100 == 5:
		return exporter.Permanent(e)
	}
	var record tls.RecordHeaderError // TLS to a plain-text port, or the reverse
	if exporter.IsCertError(err) || errors.As(err, &record) {
		return exporter.Paused(e)
	}
	// go-mail reports a server lacking STARTTLS or the AUTH mechanism only
	// as text; both are configuration problems a quick retry cannot fix.
	if strings.Contains(err.Error(), "does not support") {
		return exporter.Paused(e)
	}
	return exporter.Retryable(e, 0)
}
