package email

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/wneessen/go-mail"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

var _ exporter.Checker = (*Sink)(nil)

// Check holds one SMTP conversation up to the point of sending: connect,
// EHLO, STARTTLS (or implicit TLS) and AUTH, then QUIT. No mail is sent.
func (s *Sink) Check(ctx context.Context) []exporter.CheckResult {
	m := s.mailer
	addr := net.JoinHostPort(m.cfg.Host, fmt.Sprint(m.cfg.port()))
	reach := exporter.CheckResult{Check: "reachable", OK: true, Detail: "SMTP server at " + addr + " answered"}
	tlsRes := exporter.CheckResult{Check: "tls verified", OK: true, Detail: "certificate verified (" + m.cfg.TLS + ")"}
	if m.cfg.TLS == TLSNone {
		tlsRes.Detail = "no TLS (tls: none): mail and password travel in clear text"
	}
	auth := exporter.CheckResult{Check: "credential accepted", OK: true, Detail: "AUTH as " + m.cfg.Username + " accepted"}
	if m.cfg.Username == "" {
		auth.Detail = "no AUTH configured (username empty)"
	}
	c, err := m.client()
	if err != nil {
		reach.OK, reach.Detail, reach.Fix = false, err.Error(), "fix host, port and tls"
		return []exporter.CheckResult{reach}
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout.D())
	defer cancel()
	err = converse(ctx, c)
	if err == nil {
		return []exporter.CheckResult{reach, tlsRes, auth}
	}
	var ne net.Error
	var oe *net.OpError
	var ce smtpError
	if se := (*smtpError)(nil); errors.As(classify(err), &se) {
		ce = *se
	}
	switch {
	case exporter.IsCertError(err):
		tlsRes.OK, tlsRes.Detail = false, err.Error()
		tlsRes.Fix = "trust the server's certificate: set ca_file to its CA bundle (PEM), or fix host to the name it carries"
		return []exporter.CheckResult{reach, tlsRes}
	case strings.Contains(err.Error(), "does not support") && strings.Contains(strings.ToUpper(err.Error()), "STARTTLS"):
		tlsRes.OK, tlsRes.Detail = false, err.Error()
		tlsRes.Fix = "the server offers no STARTTLS: use tls: implicit on its SMTPS port (465), or tls: none only on a trusted network"
		return []exporter.CheckResult{reach, tlsRes}
	case ce.Code == 535 || ce.Code == 534 || ce.Code == 530 ||
		strings.Contains(strings.ToLower(err.Error()), "auth"):
		auth.OK, auth.Detail = false, err.Error()
		auth.Fix = "the SMTP server refused the login: check username and password_file/password_env"
		return []exporter.CheckResult{reach, tlsRes, auth}
	case errors.As(err, &oe) || errors.As(err, &ne):
		reach.OK, reach.Detail = false, err.Error()
		reach.Fix = "check host and port, and that the SMTP server accepts connections from here"
		return []exporter.CheckResult{reach}
	}
	reach.OK, reach.Detail, reach.Fix = false, err.Error(), "check host, port and tls against the SMTP server's settings"
	return []exporter.CheckResult{reach}
}

// converse holds the check's conversation and returns when it ended or
// when ctx did, whichever is first: timeout bounds the whole conversation.
// go-mail gives the greeting and then EHLO (with its HELO fallback) a
// full timeout each, so a server dribbling its greeting held a check for
// twice its timeout. An abandoned conversation ends by itself within
// go-mail's own deadlines and closes its connection; nothing is sent in a
// check, so abandoning it loses nothing.
func converse(ctx context.Context, c *mail.Client) error {
	done := make(chan error, 1)
	go func() {
		sc, err := c.DialToSMTPClientWithContext(ctx)
		if err == nil {
			_ = c.CloseWithSMTPClient(sc)
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("no complete SMTP conversation within the timeout: %w", ctx.Err())
	}
}
