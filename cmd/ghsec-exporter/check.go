package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/ghsec-exporter/ghsec-exporter/cmd/ghsec-exporter/wiring"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"go.yaml.in/yaml/v3"
)

// cmdCheckConfig validates the whole config, sinks included, resolves every
// secret and file it names, and prints the effective config. Secrets are
// only ever referenced by file or variable name in the config, so printing
// it reveals none; they are read to prove them usable, and none is printed.
func cmdCheckConfig(args []string, stdout, stderr io.Writer) error {
	_, path, err := configFlag("check-config", args, stderr, nil)
	if err != nil {
		return err
	}
	l, err := loadChecked(*path)
	if err != nil {
		return err
	}
	out, err := yaml.Marshal(l.Config)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# %s is valid; effective config (secrets are referenced, never shown):\n%s", *path, out)
	return nil
}

// loaded is a config that passed every check and had its secrets and files
// read: what the daemon and the online checks are built from.
type loaded struct {
	*config.Config
	// secrets are the exporter's own (GitHub credential, webhook secret and
	// certificate), sinks each sink's, read once by the resolve step.
	secrets *config.Secrets
	sinks   []*wiring.Resolved
}

// loadChecked loads the config at path in the one way every command does:
// strict decode and Validate (config.Load), each sink's Validate
// (wiring.Decode), none of which read a file; then the resolve step, which
// reads every secret and file the config names once (cfg.Resolve,
// wiring.Resolve) and hands them on. check-config, check, run, once and a
// SIGHUP reload all use it, so a reload accepts exactly what check-config
// accepts. Errors name the field path and the bad value, never a secret.
func loadChecked(path string) (*loaded, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, withConfigHint(path, err)
	}
	vs, err := wiring.Decode(cfg.Sinks)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	secrets, secErr := cfg.Resolve()
	sinks, sinkErr := wiring.Resolve(vs)
	if err := errors.Join(secErr, sinkErr); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return &loaded{Config: cfg, secrets: secrets, sinks: sinks}, nil
}
