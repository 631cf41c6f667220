package azuremonitor

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

// clientCertPEM makes a self-signed RSA client certificate and its key in
// one PEM file, as an app registration's uploaded certificate.
func clientCertPEM(t testing.TB) (path string, pub *rsa.PublicKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "ghsec-exporter"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	pemBytes = append(pemBytes, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...)
	return writeFile(t, "client.pem", string(pemBytes)), &key.PublicKey
}

// client_certificate: the token request carries a JWT assertion the fake
// verifies with the certificate's public key.
func TestCredential_ClientCertificate(t *testing.T) {
	f := newFakeAzure(t)
	path, pub := clientCertPEM(t)
	f.certPub = pub
	c := f.config(t)
	c.Auth.Method, c.Auth.ClientSecretFile, c.Auth.CertificateFile = AuthClientCertificate, "", path
	s := newSink(t, c)
	recs := sinktest.Records(3)
	if err := sinktest.Send(t, s, recs); err != nil {
		t.Fatal(err)
	}
	wantAll(t, f, recs)

	// a certificate the app registration does not know is refused: paused
	other, _ := clientCertPEM(t)
	c.Auth.CertificateFile = other
	err := sinktest.Send(t, newSink(t, c), recs)
	if de := sinktest.MustRetry(t, "unknown certificate", err); de.Kind.String() != "paused" {
		t.Fatalf("got %v: %v, want paused", de.Kind, err)
	}
}

// workload_identity: the federated token file is the assertion; tenant,
// client and file come from AKS's environment variables when unset.
func TestCredential_WorkloadIdentity(t *testing.T) {
	f := newFakeAzure(t)
	c := f.config(t)
	c.Auth = AuthConfig{Method: AuthWorkloadIdentity, AuthorityHost: f.auth.URL}
	t.Setenv(envTenantID, testTenant)
	t.Setenv(envClientID, testClient)
	t.Setenv(envTokenFile, writeFile(t, "sa-token", testFedToken))
	s := newSink(t, c)
	recs := sinktest.Records(3)
	if err := sinktest.Send(t, s, recs); err != nil {
		t.Fatal(err)
	}
	wantAll(t, f, recs)

	t.Setenv(envTokenFile, "")
	if _, err := c.Resolve(); err == nil {
		t.Fatal("resolve without a token file: no error")
	}
}

// managed_identity through App Service's endpoint (IDENTITY_ENDPOINT and
// IDENTITY_HEADER), which the test points at the fake: no request ever
// goes to IMDS.
func TestCredential_ManagedIdentity(t *testing.T) {
	f := newFakeAzure(t)
	t.Setenv("IDENTITY_ENDPOINT", f.auth.URL+"/msi/token")
	t.Setenv("IDENTITY_HEADER", testIdentity)
	c := f.config(t)
	c.Auth = AuthConfig{Method: AuthManagedIdentity, AuthorityHost: DefaultAuthorityHost}
	s := newSink(t, c)
	recs := sinktest.Records(3)
	if err := sinktest.Send(t, s, recs); err != nil {
		t.Fatal(err)
	}
	wantAll(t, f, recs)
	if _, tokens, _ := f.stats(); tokens != 1 {
		t.Fatalf("%d managed identity token requests, want 1", tokens)
	}
}
