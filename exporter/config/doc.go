// Package config loads ghsec-exporter's YAML configuration in two steps.
// Validation: defaults, then a strict decode (unknown keys are errors), then
// Validate, which looks at the config alone and reads no file or variable.
// Resolution: Resolve reads every secret and file the exporter's own
// settings name, once, into Secrets; SecretRef is the one rule for a
// secret (a _file or an _env, never both, never inline), shared with the
// sinks' own resolve steps. Every error is a *FieldError naming the YAML
// path of the field and the bad value (never a secret), and carrying its
// kind (ErrRequired, ErrConflict, ErrInvalid, ErrUnreadable) for errors.Is.
package config
