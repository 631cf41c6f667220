package email

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		code  int
		class string
	}{
		{"451 reply", fmt.Errorf("send failed: %w", &textproto.Error{Code: 451, Msg: "try later"}), 451, "retryable"},
		{"421 reply", &textproto.Error{Code: 421, Msg: "closing"}, 421, "retryable"},
		{"550 reply", fmt.Errorf("send: %w", &textproto.Error{Code: 550, Msg: "no such user"}), 550, "permanent"},
		{"535 auth", fmt.Errorf("dial failed: SMTP AUTH failed: %w", &textproto.Error{Code: 535, Msg: "bad credentials"}), 535, "paused"},
		{"530 auth required", &textproto.Error{Code: 530, Msg: "authentication required"}, 530, "paused"},
		{"untrusted certificate", fmt.Errorf("dial failed: %w", x509.UnknownAuthorityError{}), 0, "paused"},
		{"no STARTTLS", errors.New(`STARTTLS mode set to: "TLSMandatory", but target host does not support STARTTLS`), 0, "paused"},
		{"connection refused", fmt.Errorf("dial failed: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), 0, "retryable"},
		{"timeout", errors.New("i/o timeout"), 0, "retryable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err)
			de := exporter.Classify(got)
			class := de.Kind.String()
			var se *smtpError
			if !errors.As(got, &se) || se.Code != tt.code || class != tt.class || de.RetryAfter != 0 {
				t.Errorf("classify(%v) = %v (code %v), want %s code %d", tt.err, class, se, tt.class, tt.code)
			}
			if !errors.Is(got, tt.err) {
				t.Error("classified error does not wrap the original")
			}
		})
	}
}
