// Package configtest runs a sink's table of config cases the one way the
// HTTP sinks (splunk_hec, otlp, elasticsearch) check them: Validate, and
// Resolve for the cases only reading a file or a variable can fail, each
// error matched by text and kind and never carrying the secret. It is
// imported by tests only.
package configtest

import (
	"errors"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

// Case is one row of a sink's config table: Mod changes a valid config,
// Want is a substring of the error ("" means valid) and Is the error's
// kind. Is config.ErrUnreadable means Validate passes (it reads nothing)
// and Resolve fails.
type Case[C any] struct {
	Name string
	Mod  func(c *C)
	Want string
	Is   error
}

// Config is what a sink's config offers the table: Validate, which
// reads nothing, and Resolve, which reads the files and variables it names.
type Config[C, R any] interface {
	*C
	Validate() error
	Resolve() (R, error)
}

// Run runs each case as a subtest on a config from good: a valid config
// must validate and resolve; an invalid one must fail Validate (or, for
// config.ErrUnreadable, Resolve) with an error containing Want that is Is.
// No error may contain secret, the value of the credential the configs
// name.
func Run[C, R any, P Config[C, R]](t *testing.T, good func() C, secret string, cases []Case[C]) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			c := good()
			tt.Mod(&c)
			err := P(&c).Validate()
			if tt.Is == config.ErrUnreadable {
				if err != nil {
					t.Fatalf("Validate = %v, want nil: it reads nothing", err)
				}
				_, err = P(&c).Resolve()
			}
			switch {
			case tt.Want == "" && err != nil:
				t.Fatalf("Validate = %v, want nil", err)
			case tt.Want == "":
				if _, err := P(&c).Resolve(); err != nil {
					t.Fatalf("Resolve = %v", err)
				}
			case err == nil || !strings.Contains(err.Error(), tt.Want):
				t.Fatalf("Validate = %v, want %q", err, tt.Want)
			case !errors.Is(err, tt.Is):
				t.Fatalf("error %v is not %v", err, tt.Is)
			}
			if err != nil && secret != "" && strings.Contains(err.Error(), secret) {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}
