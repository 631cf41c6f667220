// Package config loads ghsec-exporter's YAML configuration: defaults, then a
// strict decode (unknown keys are errors), then Validate, whose errors name the
// YAML path of the field and the bad value. Secrets are read from files or
// environment variables, never written back out.
package config
