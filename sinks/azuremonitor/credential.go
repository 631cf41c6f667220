package azuremonitor

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/ingestion/azlogs"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/tlsconf"
)

// maxCertificateFile bounds certificate_file: a chain and a key.
const maxCertificateFile = 1 << 20

// certificate is client_certificate's parsed file.
type certificate struct {
	chain []*x509.Certificate
	key   crypto.PrivateKey
}

// readCertificate reads and parses certificate_file with its password;
// errors name the field and the file, never the key or the password.
func readCertificate(a *AuthConfig) (*certificate, error) {
	password, err := a.passwordRef().Resolve()
	if err != nil {
		return nil, err
	}
	b, err := config.ReadFileLimited(a.CertificateFile, maxCertificateFile)
	if err != nil {
		return nil, config.Unreadable("auth.certificate_file", a.CertificateFile, "cannot read: %v", err)
	}
	var pw []byte
	if password != "" {
		pw = []byte(password)
	}
	chain, key, err := azidentity.ParseCertificates(b, pw)
	if err != nil {
		return nil, config.Unreadable("auth.certificate_file", a.CertificateFile,
			"not a PEM certificate with an unencrypted private key, nor a PKCS#12 file that auth.certificate_password opens: %v", err)
	}
	return &certificate{chain: chain, key: key}, nil
}

// Environment variables AKS's workload identity webhook sets, which
// workload_identity falls back on.
const (
	envTenantID  = "AZURE_TENANT_ID"
	envClientID  = "AZURE_CLIENT_ID"
	envTokenFile = "AZURE_FEDERATED_TOKEN_FILE"
)

// resolveWorkload fills the workload identity's tenant, client and token
// file from the config or the environment and checks the file reads.
func (r *Resolved) resolveWorkload() error {
	a := &r.Auth
	pick := func(field, v, env string) (string, error) {
		if v != "" {
			return v, nil
		}
		if v = os.Getenv(env); v == "" {
			return "", config.Unreadable(field, env, "not set and the environment variable is unset or empty (set by AKS's workload identity webhook)")
		}
		return v, nil
	}
	var err error
	if r.tenant, err = pick("auth.tenant_id", a.TenantID, envTenantID); err != nil {
		return err
	}
	if r.client, err = pick("auth.client_id", a.ClientID, envClientID); err != nil {
		return err
	}
	if r.tokenFile, err = pick("auth.token_file", a.TokenFile, envTokenFile); err != nil {
		return err
	}
	if _, err := config.ReadFileLimited(r.tokenFile, 64<<10); err != nil {
		return config.Unreadable("auth.token_file", r.tokenFile, "cannot read the federated token: %v", err)
	}
	return nil
}

// ingestionService is the cloud's entry for the Logs Ingestion API.
const ingestionService = azlogs.ServiceNameIngestion

// clientOptions are the azcore options of both the credential and the
// ingestion client: one transport (ca_file trusted for the token endpoint
// and the DCE alike), the configured cloud, and no retries of the SDK's
// own: the delivery loop retries, honouring Retry-After.
func clientOptions(r *Resolved, hc *http.Client, version string) azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud: cloud.Configuration{
			ActiveDirectoryAuthorityHost: r.Auth.AuthorityHost,
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				ingestionService: {Audience: r.Audience},
			},
		},
		Retry:     policy.RetryOptions{MaxRetries: -1},
		Transport: hc,
		Telemetry: policy.TelemetryOptions{ApplicationID: "ghsec-exporter/" + version},
	}
}

// newHTTPClient is the one transport under the SDK, verifying servers
// against the resolved roots.
func newHTTPClient(r *Resolved) *http.Client {
	return &http.Client{Transport: tlsconf.HTTPTransport(r.tls)}
}

// newCredential builds auth.method's credential over opts. A managed
// identity's endpoint is the platform's (IMDS, App Service, Arc), not the
// authority host.
func newCredential(r *Resolved, opts azcore.ClientOptions) (azcore.TokenCredential, error) {
	a := &r.Auth
	noDiscovery := !knownAuthority(a.AuthorityHost)
	var (
		cred azcore.TokenCredential
		err  error
	)
	switch a.Method {
	case AuthClientSecret:
		cred, err = azidentity.NewClientSecretCredential(a.TenantID, a.ClientID, r.secret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: noDiscovery})
	case AuthClientCertificate:
		cred, err = azidentity.NewClientCertificateCredential(a.TenantID, a.ClientID, r.cert.chain, r.cert.key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: noDiscovery, SendCertificateChain: true})
	case AuthManagedIdentity:
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts}
		if a.ClientID != "" {
			o.ID = azidentity.ClientID(a.ClientID)
		}
		cred, err = azidentity.NewManagedIdentityCredential(o)
	case AuthWorkloadIdentity:
		cred, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{ClientOptions: opts,
			DisableInstanceDiscovery: noDiscovery, TenantID: r.tenant, ClientID: r.client, TokenFilePath: r.tokenFile})
	default:
		return nil, fmt.Errorf("auth.method %q: not validated", a.Method)
	}
	if err != nil {
		return nil, fmt.Errorf("build the %s credential: %w", a.Method, err)
	}
	return cred, nil
}
