package azuremonitor

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// The fake's fixed identities.
const (
	testTenant   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testClient   = "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba"
	testSecret   = "s3cr3t~value"
	testRule     = "dcr-00112233445566778899aabbccddeeff"
	testScope    = "https://monitor.azure.com/.default"
	testIdentity = "identity-header-value"
	testFedToken = "federated.service-account.token"
)

// testTLS is a self-signed certificate for 127.0.0.1 and localhost
// (receivers.TLSFiles): its PEM file, the CA file a client trusts, and the
// pair a server presents.
func testTLS(t testing.TB) (caFile string, pair tls.Certificate) {
	t.Helper()
	caFile, keyFile := receivers.TLSFiles(t, t.TempDir())
	pair, err := tls.LoadX509KeyPair(caFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return caFile, pair
}

func startTLS(t testing.TB, pair tls.Certificate, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes refused on purpose
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// reply is a scripted answer the fake gives instead of its own.
type reply struct {
	status int
	header map[string]string
	body   string
}

// fakeAzure is a Microsoft Entra ID token endpoint and a Logs Ingestion
// API DCE, both https under a test CA, enforcing the documented contract:
// OpenID discovery and client credentials (secret, certificate
// assertion, federated token) at {authority}/{tenant}/oauth2/v2.0/token
// for scope https://monitor.azure.com/.default, App Service managed
// identity, then POST /dataCollectionRules/{rule}/streams/{stream}
// ?api-version=2023-01-01 with the issued bearer token, Content-Type
// application/json, gzip when Content-Encoding says so, a JSON array of
// objects, at most limit bytes (compressed and uncompressed) or 413.
type fakeAzure struct {
	t        testing.TB
	caFile   string // the CA both servers' certificate is from
	auth     *httptest.Server
	dce      *httptest.Server
	stream   string
	certPub  crypto.PublicKey // client_certificate's key, to verify assertions
	mu       sync.Mutex
	limit    int
	tokens   map[string]bool
	tokenReq int
	calls    int // upload calls that reached the handler
	gzipped  int
	got      map[string]int // record id -> times received
	bodies   []json.RawMessage
	// script answers the next uploads (first first) / token requests.
	script      []reply
	tokenScript []reply
	// sizes of the arrays accepted, in records
	accepted []int
	// light (benchmarks): check everything as always but keep only the
	// count of records accepted, not the bodies and ids.
	light      bool
	lightCount int
}

func newFakeAzure(t testing.TB) *fakeAzure {
	f := &fakeAzure{t: t, stream: DefaultStream, limit: MaxCallBytes, tokens: map[string]bool{}, got: map[string]int{}}
	var pair tls.Certificate
	f.caFile, pair = testTLS(t)
	f.auth = startTLS(t, pair, http.HandlerFunc(f.serveAuth))
	f.dce = startTLS(t, pair, http.HandlerFunc(f.serveDCE))
	return f
}

// config returns a client_secret config for the fake, secret in a file.
func (f *fakeAzure) config(t testing.TB) Config {
	c := DefaultConfig()
	c.Endpoint, c.RuleID, c.CAFile = f.dce.URL, testRule, f.caFile
	c.Auth = AuthConfig{Method: AuthClientSecret, TenantID: testTenant, ClientID: testClient,
		AuthorityHost: f.auth.URL, ClientSecretFile: writeFile(t, "secret", testSecret)}
	return c
}

func writeFile(t testing.TB, name, content string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fakeAzure) serveAuth(w http.ResponseWriter, r *http.Request) {
	base := f.auth.URL
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/"+testTenant+"/v2.0/.well-known/openid-configuration":
		writeJSON(w, http.StatusOK, map[string]any{
			"token_endpoint":         base + "/" + testTenant + "/oauth2/v2.0/token",
			"authorization_endpoint": base + "/" + testTenant + "/oauth2/v2.0/authorize",
			"issuer":                 base + "/" + testTenant + "/v2.0",
		})
	case r.Method == http.MethodPost && r.URL.Path == "/"+testTenant+"/oauth2/v2.0/token":
		f.serveToken(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/msi/token":
		f.serveMSI(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": "no such path " + r.URL.Path})
	}
}

// nextReply takes the first reply off script, nil when none is left; the
// caller holds f.mu.
func nextReply(script *[]reply) *reply {
	if len(*script) == 0 {
		return nil
	}
	r := &(*script)[0]
	*script = (*script)[1:]
	return r
}

func (f *fakeAzure) serveToken(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.tokenReq++
	scripted := nextReply(&f.tokenScript)
	f.mu.Unlock()
	if scripted != nil {
		writeReply(w, *scripted)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": err.Error()})
		return
	}
	bad := func(status int, code, desc string) {
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if g := r.PostForm.Get("grant_type"); g != "client_credentials" {
		bad(http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: grant_type "+g)
		return
	}
	if !strings.Contains(" "+r.PostForm.Get("scope")+" ", " "+testScope+" ") {
		bad(http.StatusBadRequest, "invalid_scope", "AADSTS70011: scope "+r.PostForm.Get("scope"))
		return
	}
	if r.PostForm.Get("client_id") != testClient {
		bad(http.StatusBadRequest, "unauthorized_client", "AADSTS700016: unknown client")
		return
	}
	switch {
	case r.PostForm.Has("client_secret"):
		if r.PostForm.Get("client_secret") != testSecret {
			bad(http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
			return
		}
	case r.PostForm.Get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
		if err := f.checkAssertion(r.PostForm.Get("client_assertion"), f.auth.URL+r.URL.Path); err != nil {
			bad(http.StatusUnauthorized, "invalid_client", "AADSTS700027: "+err.Error())
			return
		}
	default:
		bad(http.StatusUnauthorized, "invalid_client", "AADSTS7000218: no client credential")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": f.issue()})
}

// checkAssertion accepts the federated token as is, or a JWT signed by
// the client certificate's key for aud (the token endpoint).
func (f *fakeAzure) checkAssertion(a, aud string) error {
	if a == testFedToken {
		return nil
	}
	if f.certPub == nil {
		return fmt.Errorf("assertion is not the federated token")
	}
	parts := strings.Split(a, ".")
	if len(parts) != 3 {
		return fmt.Errorf("assertion is not a JWT")
	}
	var hdr struct{ Alg, X5t string }
	var claims struct {
		Aud, Iss, Sub string
		Exp           int64
	}
	for i, v := range []any{&hdr, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, v) != nil {
			return fmt.Errorf("assertion part %d does not decode", i)
		}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	pub, ok := f.certPub.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("certificate key is not RSA")
	}
	switch hdr.Alg {
	case "RS256":
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
	case "PS256":
		err = rsa.VerifyPSS(pub, crypto.SHA256, sum[:], sig, nil)
	default:
		err = fmt.Errorf("alg %q", hdr.Alg)
	}
	if err != nil {
		return fmt.Errorf("assertion signature: %w", err)
	}
	if claims.Aud != aud || claims.Iss != testClient || claims.Sub != testClient || claims.Exp < time.Now().Unix() {
		return fmt.Errorf("assertion claims %+v", claims)
	}
	return nil
}

// serveMSI is App Service's managed identity endpoint (2019-08-01).
func (f *fakeAzure) serveMSI(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.tokenReq++
	f.mu.Unlock()
	q := r.URL.Query()
	if r.Header.Get("X-IDENTITY-HEADER") != testIdentity || q.Get("api-version") != "2019-08-01" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
		return
	}
	if res := q.Get("resource"); res != strings.TrimSuffix(testScope, "/.default") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_resource", "error_description": res})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"access_token": f.issue(), "token_type": "Bearer",
		"expires_on": strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10), "resource": q.Get("resource")})
}

func (f *fakeAzure) issue() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	tok := "tok-" + base64.RawURLEncoding.EncodeToString(b)
	f.mu.Lock()
	f.tokens[tok] = true
	f.mu.Unlock()
	return tok
}

func (f *fakeAzure) serveDCE(w http.ResponseWriter, r *http.Request) {
	apiErr := func(status int, code, msg string) {
		writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
	}
	want := "/dataCollectionRules/" + testRule + "/streams/" + f.stream
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/dataCollectionRules/") {
		apiErr(http.StatusNotFound, "NotFound", "no such path")
		return
	}
	if r.URL.Query().Get("api-version") != "2023-01-01" {
		apiErr(http.StatusBadRequest, "InvalidApiVersion", "api-version "+r.URL.Query().Get("api-version"))
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	known := ok && f.tokens[tok]
	f.mu.Unlock()
	if !known {
		apiErr(http.StatusUnauthorized, "InvalidToken", "no valid bearer token")
		return
	}
	if r.URL.Path != want {
		apiErr(http.StatusNotFound, "InvalidStream", "unknown data collection rule or stream "+r.URL.Path)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		apiErr(http.StatusUnsupportedMediaType, "UnsupportedMediaType", "content type "+ct)
		return
	}
	f.mu.Lock()
	f.calls++
	limit := f.limit
	scripted := nextReply(&f.script)
	f.mu.Unlock()
	if scripted != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		writeReply(w, *scripted)
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		apiErr(http.StatusBadRequest, "InvalidBody", err.Error())
		return
	}
	if len(raw) > limit {
		apiErr(http.StatusRequestEntityTooLarge, "ContentLengthLimitExceeded", fmt.Sprintf("maximum allowed content length: %d bytes", limit))
		return
	}
	body := raw
	switch ce := r.Header.Get("Content-Encoding"); ce {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			apiErr(http.StatusBadRequest, "InvalidContentEncoding", err.Error())
			return
		}
		if body, err = io.ReadAll(io.LimitReader(zr, int64(limit)+1)); err != nil {
			apiErr(http.StatusBadRequest, "InvalidContentEncoding", err.Error())
			return
		}
		if len(body) > limit {
			apiErr(http.StatusRequestEntityTooLarge, "ContentLengthLimitExceeded", fmt.Sprintf("maximum allowed content length: %d bytes", limit))
			return
		}
	case "":
	default:
		apiErr(http.StatusBadRequest, "InvalidContentEncoding", "content encoding "+ce)
		return
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(body, &arr); err != nil {
		apiErr(http.StatusBadRequest, "InvalidJson", "the body must be a JSON array: "+err.Error())
		return
	}
	ids := make([]string, 0, len(arr))
	for _, e := range arr {
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(e, &rec); err != nil {
			apiErr(http.StatusBadRequest, "InvalidJson", "array elements must be objects")
			return
		}
		ids = append(ids, recordID(rec))
	}
	f.mu.Lock()
	if r.Header.Get("Content-Encoding") == "gzip" {
		f.gzipped++
	}
	if f.light {
		f.lightCount += len(ids)
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	for i, id := range ids {
		f.got[id]++
		f.bodies = append(f.bodies, arr[i])
	}
	f.accepted = append(f.accepted, len(arr))
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// recordID finds our record id in a body of any schema: the record's
// id, an audit entry's _ghsec.id, OCSF's metadata.uid, ECS's event.id.
func recordID(rec map[string]json.RawMessage) string {
	var s string
	if json.Unmarshal(rec["id"], &s) == nil && s != "" {
		return s
	}
	var nested struct {
		ID  string `json:"id"`
		UID string `json:"uid"`
	}
	for _, k := range []string{"_ghsec", "metadata", "event"} {
		if json.Unmarshal(rec[k], &nested) == nil && nested.ID+nested.UID != "" {
			return nested.ID + nested.UID
		}
	}
	return ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeReply(w http.ResponseWriter, r reply) {
	for k, v := range r.header {
		w.Header().Set(k, v)
	}
	if r.body == "" {
		r.body = `{"error":{"code":"Scripted","message":"scripted reply"}}`
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(r.status)
	_, _ = io.WriteString(w, r.body)
}

// answer scripts the next uploads' replies.
func (f *fakeAzure) answer(rs ...reply) {
	f.mu.Lock()
	f.script = append(f.script, rs...)
	f.mu.Unlock()
}

// answerToken scripts the next token requests' replies.
func (f *fakeAzure) answerToken(rs ...reply) {
	f.mu.Lock()
	f.tokenScript = append(f.tokenScript, rs...)
	f.mu.Unlock()
}

func (f *fakeAzure) setLimit(n int) {
	f.mu.Lock()
	f.limit = n
	f.mu.Unlock()
}

// stats returns the upload calls that reached the handler, the token
// requests and a copy of the ids received with their counts.
func (f *fakeAzure) stats() (calls, tokens int, got map[string]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	got = make(map[string]int, len(f.got))
	for k, v := range f.got {
		got[k] = v
	}
	return f.calls, f.tokenReq, got
}
