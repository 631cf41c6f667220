package config

import (
	"errors"
	"fmt"
)

// FieldError names a config field by its YAML path and says what is wrong
// with its value.
type FieldError struct {
	Path  string // e.g. "sinks[2].address"
	Value any    // the offending value; nil when the field is missing
	Msg   string
}

// Error renders "path: message (got value)".
func (e *FieldError) Error() string {
	if e.Value == nil {
		return fmt.Sprintf("%s: %s", e.Path, e.Msg)
	}
	return fmt.Sprintf("%s: %s (got %q)", e.Path, e.Msg, fmt.Sprint(e.Value))
}

// Field builds a *FieldError.
func Field(path string, value any, format string, args ...any) error {
	return &FieldError{Path: path, Value: value, Msg: fmt.Sprintf(format, args...)}
}

// Prefix prepends prefix to the path of every FieldError in err (joined
// errors included), so a sink's own Validate can name fields relative to its
// entry and the config names them absolutely.
func Prefix(prefix string, err error) error {
	errs := Flatten(err)
	if len(errs) == 0 {
		return nil
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		var fe *FieldError
		if errors.As(e, &fe) {
			c := *fe
			c.Path = prefix + "." + fe.Path
			out[i] = &c
		} else {
			out[i] = fmt.Errorf("%s: %w", prefix, e)
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return errors.Join(out...)
}

// Flatten lists the errors joined in err (errors.Join, recursively), so
// callers can look at each *FieldError; nil gives none.
func Flatten(err error) []error {
	if err == nil {
		return nil
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, Flatten(e)...)
	}
	return out
}
