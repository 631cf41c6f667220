package config

import (
	"slices"
	"strings"
	"testing"
)

func TestGenericTypes_DefaultExtendReplace(t *testing.T) {
	withTypes := func(y string) string {
		return strings.Replace(minimal, "orgs: [acme]", "orgs: [acme]\n  secret_scanning:\n    generic_types: "+y, 1)
	}
	def := slices.Sorted(slices.Values(DefaultGenericSecretTypes))
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"default", minimal, def},
		{"extend", withTypes("{add: [my_custom_pattern, password]}"), slices.Sorted(slices.Values(append(slices.Clone(def), "my_custom_pattern")))},
		{"replace", withTypes("{replace: [rsa_private_key, password]}"), []string{"password", "rsa_private_key"}},
		{"replace with nothing turns it off", withTypes("{replace: []}"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Decode(strings.NewReader(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.GitHub.SecretScanning.GenericTypes.List(); !slices.Equal(got, tt.want) {
				t.Fatalf("List() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGenericTypes_ErrorsNameTheField(t *testing.T) {
	withTypes := func(y string) string {
		return strings.Replace(minimal, "orgs: [acme]", "orgs: [acme]\n  secret_scanning:\n    generic_types: "+y, 1)
	}
	tests := []struct{ name, yaml, want string }{
		{"both", withTypes("{add: [a], replace: [b]}"), "github.secret_scanning.generic_types: set add (extends the default list) or replace (the whole list), not both"},
		{"comma", withTypes(`{add: ["password,rsa_private_key"]}`), `github.secret_scanning.generic_types.add[0]: not a secret type name such as rsa_private_key (got "password,rsa_private_key")`},
		{"empty", withTypes(`{replace: [password, ""]}`), `github.secret_scanning.generic_types.replace[1]: not a secret type name`},
		{"a list, not a mapping", withTypes("[password]"), "github.secret_scanning.generic_types: must be a mapping of keys"},
		{"unknown key", withTypes("{extend: [password]}"), "github.secret_scanning.generic_types.extend: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v\nwant an error containing %q", err, tt.want)
			}
		})
	}
}
