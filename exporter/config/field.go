package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
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

// Secret is a credential given as a file (systemd LoadCredential=) or an
// environment variable, never both, never inline in the YAML.
type Secret struct {
	File string `yaml:"file"`
	Env  string `yaml:"env"`
}

// ResolveSecret reads a secret from file or env, exactly one of which must be
// set; path names the field pair (e.g. "sinks[0].token") in errors. Trailing
// newlines of a file are trimmed. The value is never part of an error.
func ResolveSecret(path, file, env string, required bool) (string, error) {
	switch {
	case file != "" && env != "":
		return "", Field(path+"_file", file, "set %s_file or %s_env, not both", path, path)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", Field(path+"_file", file, "cannot read secret file: %v", errors.Unwrap(err))
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", Field(path+"_file", file, "secret file is empty")
		}
		return v, nil
	case env != "":
		v := os.Getenv(env)
		if v == "" {
			return "", Field(path+"_env", env, "environment variable is unset or empty")
		}
		return v, nil
	case required:
		return "", Field(path+"_file", nil, "missing: set %s_file or %s_env", path, path)
	}
	return "", nil
}
