package main

import (
	"fmt"
	"io"

	"github.com/ghsec-exporter/ghsec-exporter/cmd/ghsec-exporter/wiring"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"go.yaml.in/yaml/v3"
)

// cmdCheckConfig validates the whole config, sinks included, and prints the
// effective config. Secrets are only ever referenced by file or variable
// name in the config, so printing it reveals none; the token is resolved, or
// the App's private key read and parsed, to prove it is usable, and neither
// is printed.
func cmdCheckConfig(args []string, stdout, stderr io.Writer) error {
	_, path, err := configFlag("check-config", args, stderr, nil)
	if err != nil {
		return err
	}
	cfg, err := loadChecked(*path)
	if err != nil {
		return err
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# %s is valid; effective config (secrets are referenced, never shown):\n%s", *path, out)
	return nil
}

// loadChecked loads the config at path and checks what config.Load leaves to
// others: the sinks' own settings and that the token is readable or the App's
// private key readable and parsable. check-config
// and a SIGHUP reload both use it, so a reload accepts exactly what
// check-config accepts. Errors name the field path and the bad value.
func loadChecked(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	if _, err := wiring.Decode(cfg.Sinks); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if cfg.GitHub.App != nil {
		if _, err := cfg.GitHub.App.Key(); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	} else if _, err := cfg.GitHub.Token(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}
