package azuremonitor

import (
	"crypto/tls"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/tlsconf"
)

// Defaults and limits of the Logs Ingestion API.
const (
	// DefaultStream is the stream the DCR in docs/sentinel.md declares.
	DefaultStream = "Custom-GhsecExporter_CL"
	// DefaultAuthorityHost is Microsoft Entra ID in Azure's public cloud.
	DefaultAuthorityHost = "https://login.microsoftonline.com/"
	// DefaultAudience is the Logs Ingestion API's token audience in
	// Azure's public cloud; a token is requested for Audience/.default.
	DefaultAudience = "https://monitor.azure.com"
	// MaxCallBytes is the most max_batch_bytes may be: the API refuses a
	// call over 1 MB with 413.
	MaxCallBytes = 1 << 20
	// DefaultBatchBytes stays under 1 MB however "MB" is read.
	DefaultBatchBytes = 1_000_000
	minBatchBytes     = 1024
)

// The values of auth.method.
const (
	AuthClientSecret      = "client_secret"
	AuthClientCertificate = "client_certificate"
	AuthManagedIdentity   = "managed_identity"
	AuthWorkloadIdentity  = "workload_identity"
)

// Config is the azure_monitor_logs sink's entry in `sinks:`: records go to
// a Log Analytics workspace (Microsoft Sentinel's) through a data
// collection endpoint (DCE) and rule (DCR), one JSON array per call.
type Config struct {
	// Endpoint is the logs ingestion URL of the DCE (or of a DCR that has
	// its own), e.g. https://ghsec-abcd.eastus-1.ingest.monitor.azure.com.
	Endpoint string `yaml:"endpoint"`
	// RuleID is the DCR's immutable id, dcr-<32 hex digits>.
	RuleID string `yaml:"rule_id"`
	// Stream is the DCR's stream declaration the records go to.
	Stream string `yaml:"stream"`
	// Audience is the ingestion API's token audience: the scope asked for
	// is Audience + "/.default". Sovereign clouds have their own
	// (https://monitor.azure.us, https://monitor.azure.cn).
	Audience string `yaml:"audience"`
	// Auth is the Microsoft Entra identity that holds the DCR's
	// "Monitoring Metrics Publisher" role.
	Auth AuthConfig `yaml:"auth"`
	// CAFile is a PEM bundle of the only CAs trusted for the DCE and the
	// token endpoint (a TLS-inspecting proxy, a private cloud). Empty:
	// the system roots.
	CAFile string `yaml:"ca_file"`
	// MaxBatchBytes bounds one call's JSON array, uncompressed; a batch
	// goes out in as many calls as it needs.
	MaxBatchBytes int `yaml:"max_batch_bytes"`
	// Compress gzips each call's body (Content-Encoding: gzip).
	Compress bool `yaml:"compress"`
	// Timeout bounds one call, the token request included.
	Timeout config.Duration `yaml:"timeout"`
	// Options are schema (record, ocsf, ecs) and audit_body (record,
	// entry: GitHub's entry with our id, origin and observed_at under
	// _ghsec).
	format.Options `yaml:",inline"`
}

// AuthConfig selects and configures the credential.
type AuthConfig struct {
	// Method is client_secret, client_certificate, managed_identity or
	// workload_identity.
	Method string `yaml:"method"`
	// TenantID and ClientID are the app registration's directory
	// (tenant) and application (client) ids. For managed_identity,
	// ClientID picks a user-assigned identity (empty: system-assigned);
	// for workload_identity, empty means AZURE_TENANT_ID and
	// AZURE_CLIENT_ID, as AKS's webhook sets them.
	TenantID string `yaml:"tenant_id"`
	ClientID string `yaml:"client_id"`
	// AuthorityHost is the Entra ID host tokens come from; a host other
	// than the three Azure clouds' (Azure Stack, a private cloud) turns
	// instance discovery off. It must be https.
	AuthorityHost string `yaml:"authority_host"`
	// ClientSecretFile / ClientSecretEnv hold the client secret
	// (client_secret).
	ClientSecretFile string `yaml:"client_secret_file"`
	ClientSecretEnv  string `yaml:"client_secret_env"`
	// CertificateFile is a PEM (certificate and unencrypted private key)
	// or PKCS#12 file (client_certificate); its password, if any, comes
	// from CertificatePasswordFile / CertificatePasswordEnv.
	CertificateFile         string `yaml:"certificate_file"`
	CertificatePasswordFile string `yaml:"certificate_password_file"`
	CertificatePasswordEnv  string `yaml:"certificate_password_env"`
	// TokenFile is the federated service account token
	// (workload_identity); empty means AZURE_FEDERATED_TOKEN_FILE. It is
	// read at every token request: the kubelet rotates it.
	TokenFile string `yaml:"token_file"`
}

// DefaultConfig returns the defaults: stream Custom-GhsecExporter_CL,
// Azure's public cloud, calls of at most 1,000,000 bytes gzipped, 30 s
// per call, the normalized record.
func DefaultConfig() Config {
	return Config{
		Stream:        DefaultStream,
		Audience:      DefaultAudience,
		Auth:          AuthConfig{AuthorityHost: DefaultAuthorityHost},
		MaxBatchBytes: DefaultBatchBytes,
		Compress:      true,
		Timeout:       config.Duration(30 * time.Second),
		Options:       format.DefaultOptions(),
	}
}

var (
	ruleIDRe = regexp.MustCompile(`^dcr-[0-9a-f]{32}$`)
	streamRe = regexp.MustCompile(`^(Custom|Microsoft)-[A-Za-z0-9_]+$`)
	guidRe   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// tenantRe is a tenant GUID or a verified domain (contoso.onmicrosoft.com).
	tenantRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]*$`)
)

func (a *AuthConfig) secretRef() config.SecretRef {
	return config.SecretRef{Path: "auth.client_secret", File: a.ClientSecretFile, Env: a.ClientSecretEnv,
		Required: a.Method == AuthClientSecret}
}

func (a *AuthConfig) passwordRef() config.SecretRef {
	return config.SecretRef{Path: "auth.certificate_password", File: a.CertificatePasswordFile, Env: a.CertificatePasswordEnv}
}

// Validate checks the config without reading anything (secrets,
// certificates and the CA bundle are Resolve's), naming fields relative
// to the sink entry.
func (c *Config) Validate() error {
	errs := []error{c.Options.Validate(), httpsBase("endpoint", c.Endpoint, "https://NAME.REGION-1.ingest.monitor.azure.com (the DCE's logs ingestion endpoint)"),
		httpsBase("audience", c.Audience, DefaultAudience), c.Auth.validate()}
	switch {
	case c.RuleID == "":
		errs = append(errs, config.Required("rule_id", "the DCR's immutable id, dcr-<32 hex digits>"))
	case !ruleIDRe.MatchString(c.RuleID):
		errs = append(errs, config.Field("rule_id", c.RuleID, "must be the DCR's immutable id, dcr- and 32 lowercase hex digits (not its name or resource id)"))
	}
	if !streamRe.MatchString(c.Stream) {
		errs = append(errs, config.Field("stream", c.Stream, "must be a stream the DCR declares, Custom-<name> (default %s)", DefaultStream))
	}
	if c.MaxBatchBytes < minBatchBytes || c.MaxBatchBytes > MaxCallBytes {
		errs = append(errs, config.Field("max_batch_bytes", c.MaxBatchBytes, "must be between %d and %d (the API's 1 MB per call)", minBatchBytes, MaxCallBytes))
	}
	if c.Timeout.D() <= 0 {
		errs = append(errs, config.Field("timeout", c.Timeout.D(), "must be positive"))
	}
	return errors.Join(errs...)
}

func (a *AuthConfig) validate() error {
	var errs []error
	needTenant := false
	switch a.Method {
	case AuthClientSecret:
		needTenant = true
	case AuthClientCertificate:
		needTenant = true
		if a.CertificateFile == "" {
			errs = append(errs, config.Required("auth.certificate_file", "a PEM or PKCS#12 file with the certificate and its private key"))
		}
	case AuthManagedIdentity, AuthWorkloadIdentity:
	case "":
		errs = append(errs, config.Required("auth.method", "one of %s, %s, %s, %s", AuthClientSecret, AuthClientCertificate, AuthManagedIdentity, AuthWorkloadIdentity))
	default:
		errs = append(errs, config.Field("auth.method", a.Method, "must be %s, %s, %s or %s", AuthClientSecret, AuthClientCertificate, AuthManagedIdentity, AuthWorkloadIdentity))
	}
	if a.Method != AuthClientSecret && (a.ClientSecretFile != "" || a.ClientSecretEnv != "") {
		errs = append(errs, config.Conflict("auth.client_secret_file", "a client secret is for auth.method %s only", AuthClientSecret))
	} else {
		errs = append(errs, a.secretRef().Check())
	}
	if a.Method != AuthClientCertificate && (a.CertificateFile != "" || a.CertificatePasswordFile != "" || a.CertificatePasswordEnv != "") {
		errs = append(errs, config.Conflict("auth.certificate_file", "a certificate is for auth.method %s only", AuthClientCertificate))
	} else {
		errs = append(errs, a.passwordRef().Check())
	}
	if a.Method != AuthWorkloadIdentity && a.TokenFile != "" {
		errs = append(errs, config.Conflict("auth.token_file", "a federated token file is for auth.method %s only", AuthWorkloadIdentity))
	}
	if a.Method == AuthManagedIdentity && a.TenantID != "" {
		errs = append(errs, config.Conflict("auth.tenant_id", "a managed identity's tenant is the resource's; leave tenant_id empty"))
	}
	switch {
	case a.TenantID == "" && needTenant:
		errs = append(errs, config.Required("auth.tenant_id", "the directory (tenant) id of the app registration"))
	case a.TenantID != "" && !tenantRe.MatchString(a.TenantID):
		errs = append(errs, config.Field("auth.tenant_id", a.TenantID, "must be a tenant id (GUID) or domain"))
	}
	switch {
	case a.ClientID == "" && needTenant:
		errs = append(errs, config.Required("auth.client_id", "the application (client) id of the app registration"))
	case a.ClientID != "" && !guidRe.MatchString(a.ClientID):
		errs = append(errs, config.Field("auth.client_id", a.ClientID, "must be an application (client) id, a GUID"))
	}
	errs = append(errs, httpsBase("auth.authority_host", a.AuthorityHost, DefaultAuthorityHost))
	return errors.Join(errs...)
}

// httpsBase checks an https URL with no path, query or fragment: the SDK
// sends a bearer token over https only, and appends its own paths.
func httpsBase(path, value, example string) error {
	u, err := config.URLField(path, value, example)
	if err != nil {
		return err
	}
	if u.Scheme != "https" {
		return config.Field(path, value, "must be https: a bearer token is never sent in clear text")
	}
	if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return config.Field(path, value, "must be the base URL only, such as %s", example)
	}
	return nil
}

// Resolved is a validated Config with what New needs from outside it:
// the secret or certificate and the TLS configuration. Config.Resolve
// makes it.
type Resolved struct {
	Config
	secret string
	cert   *certificate
	// tenant, client and tokenFile are the workload identity's, the
	// environment's when the config leaves them empty.
	tenant, client, tokenFile string
	tls                       *tls.Config
}

// Resolve reads the client secret, the certificate (and its password)
// and the CA bundle of the validated config, once, and for
// workload_identity checks that the token file can be read (the
// credential reads it again at every token request: the kubelet rotates
// it). Errors are *config.FieldError (config.ErrUnreadable) naming the
// field and the file or variable, never a secret.
func (c *Config) Resolve() (Resolved, error) {
	r := Resolved{Config: *c}
	var errs []error
	var err error
	if r.secret, err = c.Auth.secretRef().Resolve(); err != nil {
		errs = append(errs, err)
	}
	if c.Auth.Method == AuthClientCertificate {
		if r.cert, err = readCertificate(&c.Auth); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Auth.Method == AuthWorkloadIdentity {
		if err := r.resolveWorkload(); err != nil {
			errs = append(errs, err)
		}
	}
	if r.tls, err = tlsconf.Client(tlsconf.Options{CAFile: c.CAFile}); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return Resolved{}, err
	}
	return r, nil
}

// knownAuthority reports whether host is the Entra ID of one of Azure's
// clouds, which instance discovery knows; any other needs it off.
func knownAuthority(authority string) bool {
	u, err := url.Parse(authority)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Hostname()) {
	case "login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn":
		return true
	}
	return false
}
