package syslog

import (
	"strings"
	"testing"
)

func TestConfig_Validate_RELP(t *testing.T) {
	dir := t.TempDir()
	ca := writeFile(t, dir, "ca.pem")
	for _, tc := range []struct {
		name   string
		mut    func(*Config)
		fields []string
	}{
		{"relp", func(c *Config) { c.Network = NetworkRELP }, nil},
		{"relp over tls", func(c *Config) { c.Network, c.TLS, c.CAFile, c.ServerName = NetworkRELP, true, ca, "logs" }, nil},
		{"relp window", func(c *Config) { c.Network, c.RELPWindow = NetworkRELP, 1 }, nil},
		{"relp window too big", func(c *Config) { c.Network, c.RELPWindow = NetworkRELP, 5000 }, []string{"relp_window"}},
		{"relp window negative", func(c *Config) { c.Network, c.RELPWindow = NetworkRELP, -1 }, []string{"relp_window"}},
		{"relp window on tcp", func(c *Config) { c.RELPWindow = 16 }, []string{"relp_window"}},
		{"tls flag on tcp", func(c *Config) { c.TLS = true }, []string{"tls"}},
		{"tls flag on tls", func(c *Config) { c.Network, c.TLS = NetworkTLS, true }, []string{"tls"}},
		{"framing on relp", func(c *Config) { c.Network, c.Framing = NetworkRELP, FramingOctetCounting }, []string{"framing"}},
		{"ca file on plain relp", func(c *Config) { c.Network, c.CAFile = NetworkRELP, ca }, []string{"ca_file"}},
		{"relp cert without key", func(c *Config) { c.Network, c.TLS, c.CertFile = NetworkRELP, true, ca }, []string{"cert_file"}},
		{"relp size over udp limit", func(c *Config) { c.Network, c.MaxMessageSize = NetworkRELP, 1<<20 }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			c.Address = "127.0.0.1:2514"
			tc.mut(&c)
			got := fieldPaths(t, c.Validate())
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("error fields = %v, want %v", got, tc.fields)
			}
		})
	}
	c := DefaultConfig()
	c.Address, c.Network = "127.0.0.1:2514", NetworkRELP
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Framing != "" || c.MaxMessageSize != 65536 || c.RELPWindow != 128 {
		t.Errorf("relp defaults: framing %q size %d window %d, want \"\" 65536 128", c.Framing, c.MaxMessageSize, c.RELPWindow)
	}
}
