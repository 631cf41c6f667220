package email

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		code      int
		temporary bool
	}{
		{"451 reply", fmt.Errorf("send failed: %w", &textproto.Error{Code: 451, Msg: "try later"}), 451, true},
		{"421 reply", &textproto.Error{Code: 421, Msg: "closing"}, 421, true},
		{"550 reply", fmt.Errorf("send: %w", &textproto.Error{Code: 550, Msg: "no such user"}), 550, false},
		{"535 auth", fmt.Errorf("dial failed: SMTP AUTH failed: %w", &textproto.Error{Code: 535, Msg: "bad credentials"}), 535, false},
		{"untrusted certificate", fmt.Errorf("dial failed: %w", x509.UnknownAuthorityError{}), 0, false},
		{"no STARTTLS", errors.New(`STARTTLS mode set to: "TLSMandatory", but target host does not support STARTTLS`), 0, false},
		{"connection refused", fmt.Errorf("dial failed: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), 0, true},
		{"timeout", errors.New("i/o timeout"), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err)
			if got.Code != tt.code || got.Temporary != tt.temporary {
				t.Errorf("classify(%v) = code %d temporary %v, want %d %v", tt.err, got.Code, got.Temporary, tt.code, tt.temporary)
			}
			if !errors.Is(got, tt.err) {
				t.Error("classified error does not wrap the original")
			}
		})
	}
}
