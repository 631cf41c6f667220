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

// Table is a sink's config cases and how to check them.
type Table[C any] struct {
	// Good returns a valid config, which each case then changes.
	Good func() C
	// Validate and Resolve are the config's own; Resolve's result is
	// dropped.
	Validate func(c *C) error
	Resolve  func(c *C) error
	// Secret is the value of the credential the configs name: no error
	// may contain it.
	Secret string
	Cases  []Case[C]
}

// Run runs each case as a subtest: a valid config must validate and
// resolve; an invalid one must fail Validate (or, for
// config.ErrUnreadable, Resolve) with an error containing Want that is
// Is.
func Run[C any](t *testing.T, tb Table[C]) {
	t.Helper()
	for _, tt := range tb.Cases {
		t.Run(tt.Name, func(t *testing.T) {
			c := tb.Good()
			tt.Mod(&c)
			err := tb.Validate(&c)
			if tt.Is == config.ErrUnreadable {
				if err != nil {
					t.Fatalf("Validate = %v, want nil: it reads nothing", err)
				}
				err = tb.Resolve(&c)
			}
			switch {
			case tt.Want == "" && err != nil:
				t.Fatalf("Validate = %v, want nil", err)
			case tt.Want == "":
				if err := tb.Resolve(&c); err != nil {
					t.Fatalf("Resolve = %v", err)
				}
			case err == nil || !strings.Contains(err.Error(), tt.Want):
				t.Fatalf("Validate = %v, want %q", err, tt.Want)
			case !errors.Is(err, tt.Is):
				t.Fatalf("error %v is not %v", err, tt.Is)
			}
			if err != nil && tb.Secret != "" && strings.Contains(err.Error(), tb.Secret) {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}
