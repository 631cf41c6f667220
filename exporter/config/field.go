package config

import (
	"errors"
	"fmt"
)

// The kinds of config error. Every *FieldError carries one in Err, so a
// caller (or a test) can tell them apart with errors.Is without matching
// messages. Validate only ever reports ErrRequired, ErrConflict and
// ErrInvalid: it looks at the config alone. ErrUnreadable comes from the
// resolve step, which reads the files and variables the config names.
var (
	// ErrRequired: a field that must be set is missing or empty.
	ErrRequired = errors.New("required setting missing")
	// ErrConflict: fields that exclude each other are both set (a secret's
	// _file and _env).
	ErrConflict = errors.New("conflicting settings")
	// ErrInvalid: a field's value has the wrong shape or is out of range.
	ErrInvalid = errors.New("invalid setting")
	// ErrUnreadable: the file or environment variable a field names cannot
	// be read, or does not hold what the field needs (an empty secret, a
	// file that is not a PEM certificate).
	ErrUnreadable = errors.New("unreadable file or variable")
	// ErrSyntax: the file is not YAML; the error names the line (it names
	// no field, since none could be read).
	ErrSyntax = errors.New("YAML syntax error")
)

// FieldError names a config field by its YAML path and says what is wrong
// with its value.
type FieldError struct {
	Path  string // e.g. "sinks[2].address"
	Value any    // the offending value; nil when the field is missing or secret
	Msg   string
	// Err is the kind of problem: ErrRequired, ErrConflict, ErrInvalid or
	// ErrUnreadable. It is not part of the message.
	Err error
}

// Error renders "path: message (got value)".
func (e *FieldError) Error() string {
	if e.Value == nil {
		return fmt.Sprintf("%s: %s", e.Path, e.Msg)
	}
	return fmt.Sprintf("%s: %s (got %q)", e.Path, e.Msg, fmt.Sprint(e.Value))
}

// Unwrap returns Err, for errors.Is(err, config.ErrRequired) and the like;
// a FieldError built without a kind (the strict decoder's: an unknown key,
// a value of the wrong YAML shape) is ErrInvalid.
func (e *FieldError) Unwrap() error {
	if e.Err == nil {
		return ErrInvalid
	}
	return e.Err
}

// Field builds an ErrInvalid *FieldError: value, the offending value, is
// shown in the message unless nil (pass nil for anything that may be a
// secret).
func Field(path string, value any, format string, args ...any) error {
	return &FieldError{Path: path, Value: value, Msg: fmt.Sprintf(format, args...), Err: ErrInvalid}
}

// Required builds an ErrRequired *FieldError whose message is "missing: "
// and what belongs in the field, or "missing" when format is empty.
func Required(path string, format string, args ...any) error {
	msg := "missing"
	if format != "" {
		msg += ": " + fmt.Sprintf(format, args...)
	}
	return &FieldError{Path: path, Msg: msg, Err: ErrRequired}
}

// Conflict builds an ErrConflict *FieldError for path, which is set
// together with a field it excludes.
func Conflict(path string, format string, args ...any) error {
	return &FieldError{Path: path, Msg: fmt.Sprintf(format, args...), Err: ErrConflict}
}

// Unreadable builds an ErrUnreadable *FieldError: the file or variable
// named by value (a path or a variable name, never content) could not be
// read or holds nothing usable.
func Unreadable(path string, value any, format string, args ...any) error {
	return &FieldError{Path: path, Value: value, Msg: fmt.Sprintf(format, args...), Err: ErrUnreadable}
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
