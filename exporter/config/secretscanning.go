package config

import (
	"fmt"
	"regexp"
	"slices"
)

// SecretScanning tunes the secret scanning lists.
type SecretScanning struct {
	// GenericTypes are the secret types a second listing per scope names:
	// GitHub's lists return only the default (provider) patterns unless
	// secret_type names the generic ones.
	GenericTypes GenericTypes `yaml:"generic_types"`
}

// GenericTypes extends (Add) or replaces (Replace) DefaultGenericSecretTypes;
// GitHub adds patterns, and a custom pattern's type can be named too.
type GenericTypes struct {
	Add []string `yaml:"add,omitempty"`
	// Replace, when set, is the whole list; an empty list turns the second
	// listing off.
	Replace *[]string `yaml:"replace,omitempty"`
}

// DefaultGenericSecretTypes are GitHub's generic secret scanning patterns
// (non-provider patterns and Copilot's passwords), which its alert lists
// return only when secret_type names them.
var DefaultGenericSecretTypes = []string{
	"password", "ec_private_key", "generic_private_key",
	"http_basic_authentication_header", "http_bearer_authentication_header",
	"mongodb_connection_string", "mysql_connection_string", "mysql_connection_url",
	"openssh_private_key", "pgp_private_key", "postgres_connection_string", "rsa_private_key",
}

// secretTypeRe is a secret type as GitHub names them; a comma would split
// it in the secret_type list.
var secretTypeRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)

// List is the secret types the second listing names: the defaults plus
// Add, or Replace; sorted, without repeats. Empty means no second listing.
func (g GenericTypes) List() []string {
	var out []string
	if g.Replace != nil {
		out = slices.Clone(*g.Replace)
	} else {
		out = append(slices.Clone(DefaultGenericSecretTypes), g.Add...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// validate checks the shape: add or replace, and each a secret type name.
func (g GenericTypes) validate(path string) []error {
	var errs []error
	if g.Replace != nil && len(g.Add) > 0 {
		errs = append(errs, Field(path, nil, "set add (extends the default list) or replace (the whole list), not both"))
	}
	check := func(key string, types []string) {
		for i, t := range types {
			if !secretTypeRe.MatchString(t) {
				errs = append(errs, Field(fmt.Sprintf("%s.%s[%d]", path, key, i), t, "not a secret type name such as rsa_private_key"))
			}
		}
	}
	check("add", g.Add)
	if g.Replace != nil {
		check("replace", *g.Replace)
	}
	return errs
}
