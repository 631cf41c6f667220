package azuremonitor

import (
	"errors"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

func validConfig() Config {
	c := DefaultConfig()
	c.Endpoint = "https://ghsec-abcd.eastus-1.ingest.monitor.azure.com"
	c.RuleID = testRule
	c.Auth = AuthConfig{Method: AuthClientSecret, TenantID: testTenant, ClientID: testClient,
		AuthorityHost: DefaultAuthorityHost, ClientSecretEnv: "AZURE_CLIENT_SECRET"}
	return c
}

func TestConfig_Validate(t *testing.T) {
	if c := validConfig(); c.Validate() != nil {
		t.Fatalf("valid config: %v", c.Validate())
	}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		path string
		kind error
	}{
		{"no endpoint", func(c *Config) { c.Endpoint = "" }, "endpoint", config.ErrRequired},
		{"http endpoint", func(c *Config) { c.Endpoint = "http://dce.example" }, "endpoint", config.ErrInvalid},
		{"endpoint with path", func(c *Config) { c.Endpoint += "/dataCollectionRules/x" }, "endpoint", config.ErrInvalid},
		{"no rule", func(c *Config) { c.RuleID = "" }, "rule_id", config.ErrRequired},
		{"rule name not id", func(c *Config) { c.RuleID = "my-dcr" }, "rule_id", config.ErrInvalid},
		{"stream", func(c *Config) { c.Stream = "GhsecExporter_CL" }, "stream", config.ErrInvalid},
		{"audience http", func(c *Config) { c.Audience = "http://monitor.azure.com" }, "audience", config.ErrInvalid},
		{"batch too large", func(c *Config) { c.MaxBatchBytes = 2 << 20 }, "max_batch_bytes", config.ErrInvalid},
		{"batch too small", func(c *Config) { c.MaxBatchBytes = 10 }, "max_batch_bytes", config.ErrInvalid},
		{"timeout", func(c *Config) { c.Timeout = 0 }, "timeout", config.ErrInvalid},
		{"schema", func(c *Config) { c.Schema = "cef" }, "schema", config.ErrInvalid},
		{"no method", func(c *Config) { c.Auth.Method = "" }, "auth.method", config.ErrRequired},
		{"bad method", func(c *Config) { c.Auth.Method = "password" }, "auth.method", config.ErrInvalid},
		{"no secret", func(c *Config) { c.Auth.ClientSecretEnv = "" }, "auth.client_secret_file", config.ErrRequired},
		{"both secrets", func(c *Config) { c.Auth.ClientSecretFile = "/run/secret" }, "auth.client_secret_file", config.ErrConflict},
		{"secret pasted", func(c *Config) { c.Auth.ClientSecretEnv = "0aeeac95-ac74-4aa9-b30d-6c4c0ac581bb" }, "auth.client_secret_env", config.ErrInvalid},
		{"no tenant", func(c *Config) { c.Auth.TenantID = "" }, "auth.tenant_id", config.ErrRequired},
		{"no client", func(c *Config) { c.Auth.ClientID = "" }, "auth.client_id", config.ErrRequired},
		{"client not guid", func(c *Config) { c.Auth.ClientID = "ghsec" }, "auth.client_id", config.ErrInvalid},
		{"http authority", func(c *Config) { c.Auth.AuthorityHost = "http://login.example" }, "auth.authority_host", config.ErrInvalid},
		{"cert without file", func(c *Config) {
			c.Auth.Method, c.Auth.ClientSecretEnv = AuthClientCertificate, ""
		}, "auth.certificate_file", config.ErrRequired},
		{"secret with cert", func(c *Config) {
			c.Auth.Method, c.Auth.CertificateFile = AuthClientCertificate, "/etc/ghsec/client.pem"
		}, "auth.client_secret_file", config.ErrConflict},
		{"cert with secret method", func(c *Config) { c.Auth.CertificateFile = "/etc/ghsec/client.pem" }, "auth.certificate_file", config.ErrConflict},
		{"token file with secret method", func(c *Config) { c.Auth.TokenFile = "/var/run/token" }, "auth.token_file", config.ErrConflict},
		{"managed identity tenant", func(c *Config) {
			c.Auth.Method, c.Auth.ClientSecretEnv = AuthManagedIdentity, ""
		}, "auth.tenant_id", config.ErrConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.mod(&c)
			err := c.Validate()
			if err == nil {
				t.Fatal("no error")
			}
			found := false
			for _, e := range config.Flatten(err) {
				var fe *config.FieldError
				if errors.As(e, &fe) && fe.Path == tc.path && errors.Is(e, tc.kind) {
					found = true
				}
			}
			if !found {
				t.Fatalf("got %v; want %s (%v)", err, tc.path, tc.kind)
			}
		})
	}
}

func TestConfig_ValidIdentities(t *testing.T) {
	for _, a := range []AuthConfig{
		{Method: AuthManagedIdentity},
		{Method: AuthManagedIdentity, ClientID: testClient},
		{Method: AuthWorkloadIdentity},
		{Method: AuthWorkloadIdentity, TenantID: testTenant, ClientID: testClient, TokenFile: "/var/run/secrets/azure/tokens/azure-identity-token"},
		{Method: AuthClientCertificate, TenantID: "contoso.onmicrosoft.com", ClientID: testClient, CertificateFile: "/etc/ghsec/client.pfx", CertificatePasswordEnv: "CERT_PASSWORD"},
	} {
		c := validConfig()
		a.AuthorityHost = "https://login.microsoftonline.us/"
		c.Auth = a
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", a, err)
		}
	}
}

func TestConfig_Resolve(t *testing.T) {
	c := validConfig()
	c.Auth.ClientSecretEnv = "GHSEC_TEST_UNSET_SECRET"
	_, err := c.Resolve()
	if !errors.Is(err, config.ErrUnreadable) || !strings.Contains(err.Error(), "auth.client_secret_env") {
		t.Fatalf("unset secret variable: %v", err)
	}

	c = validConfig()
	c.Auth.ClientSecretEnv, c.Auth.ClientSecretFile = "", writeFile(t, "secret", "s3cr3t")
	c.CAFile = writeFile(t, "ca.pem", "not a certificate")
	_, err = c.Resolve()
	if !errors.Is(err, config.ErrUnreadable) || !strings.Contains(err.Error(), "ca_file") {
		t.Fatalf("bad CA file: %v", err)
	}

	c = validConfig()
	c.Auth = AuthConfig{Method: AuthClientCertificate, TenantID: testTenant, ClientID: testClient, AuthorityHost: DefaultAuthorityHost,
		CertificateFile: writeFile(t, "c.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}
	_, err = c.Resolve()
	if !errors.Is(err, config.ErrUnreadable) || !strings.Contains(err.Error(), "auth.certificate_file") {
		t.Fatalf("bad certificate file: %v", err)
	}
}

func TestKnownAuthority(t *testing.T) {
	for host, want := range map[string]bool{
		"https://login.microsoftonline.com/": true, "https://login.microsoftonline.us": true,
		"https://login.chinacloudapi.cn/": true, "https://login.azurestack.contoso.com/adfs": false, "https://127.0.0.1:8443": false,
	} {
		if got := knownAuthority(host); got != want {
			t.Errorf("%s: %v, want %v", host, got, want)
		}
	}
}
