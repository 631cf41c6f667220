package elasticsearch

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	json "github.com/goccy/go-json"

	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/tlsconf"
)

// esRequest is one of go-elasticsearch's esapi requests.
type esRequest interface {
	Do(ctx context.Context, tp esapi.Transport) (*esapi.Response, error)
}

// rawRequest is a request esapi has no type for (OpenSearch's own APIs).
type rawRequest struct{ method, path string }

func (r rawRequest) Do(ctx context.Context, tp esapi.Transport) (*esapi.Response, error) {
	req, err := http.NewRequestWithContext(ctx, r.method, r.path, http.NoBody)
	if err != nil {
		return nil, err
	}
	res, err := tp.Perform(req)
	if err != nil {
		return nil, err
	}
	return &esapi.Response{StatusCode: res.StatusCode, Header: res.Header, Body: res.Body}, nil
}

// Check proves the sink would deliver without writing a document:
//   - reachable: GET / answers (and the TLS certificate verifies); with
//     compatibility elasticsearch, the reply says it is Elasticsearch;
//   - credential accepted: Elasticsearch's _security/_authenticate (or
//     OpenSearch's _plugins/_security/authinfo) names the user the
//     credential is; a cluster without security accepts any request;
//   - writable (Elasticsearch with security only):
//     _security/user/_has_privileges says the credential holds create_doc
//     on alert_index and audit_index. Whether an index template makes a
//     new name a data stream is not checked: the first write creates it
//     either way.
func (s *Sink) Check(ctx context.Context) []exporter.CheckResult {
	ctx, cancel := context.WithTimeout(ctx, min(s.timeout, 10*time.Second))
	defer cancel()
	reach := exporter.CheckResult{Check: "reachable"}
	status, h, body, err := s.probe(ctx, esapi.InfoRequest{})
	if err != nil {
		return tlsconf.Unreached(err, "trust the cluster's certificate: set ca_file to its CA bundle (PEM, e.g. config/certs/http_ca.crt), or fix the host name in urls",
			"check urls and that the cluster is listening and not firewalled")
	}
	reach.OK = true
	out := []exporter.CheckResult{reach, tlsconf.Verdict(!slices.ContainsFunc(s.urls, func(u string) bool { return !strings.HasPrefix(u, "https://") }),
		s.hc.TLSClientConfig, "no TLS: a URL is http:// (the credential travels in clear text)")}
	cred := exporter.CheckResult{Check: "credential accepted"}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		reach.Detail = fmt.Sprintf("GET / answered %d", status)
		out[0] = reach
		cred.Detail = fmt.Sprintf("GET / answered %d: %s", status, replyText(body))
		cred.Fix = "check api_key_file/api_key_env, or username and password_file/password_env"
		return append(out, cred)
	}
	var info struct {
		Name    string `json:"cluster_name"`
		Version struct {
			Number       string `json:"number"`
			Distribution string `json:"distribution"`
		} `json:"version"`
	}
	_ = json.Unmarshal(body, &info)
	product := "Elasticsearch"
	if info.Version.Distribution == "opensearch" {
		product = "OpenSearch"
	}
	reach.Detail = fmt.Sprintf("GET / answered %d: %s %s, cluster %q", status, product, info.Version.Number, info.Name)
	switch {
	case status != http.StatusOK:
		reach.OK, reach.Fix = false, "check urls: a node's base URL, e.g. https://es.example.com:9200"
	case s.checkProd && h.Get("X-Elastic-Product") != "Elasticsearch":
		reach.OK = false
		reach.Detail = fmt.Sprintf("GET / answered %d without the header X-Elastic-Product: Elasticsearch (%s %s)", status, product, info.Version.Number)
		reach.Fix = "for OpenSearch set compatibility: opensearch; else check urls"
	}
	out[0] = reach
	if !reach.OK {
		return out
	}
	if !s.checkProd {
		cred, _ := s.checkCredential(ctx, openSearchAuthinfo)
		return append(out, cred)
	}
	cred, secured := s.checkCredential(ctx, esAuthenticate)
	out = append(out, cred)
	if cred.OK && secured {
		out = append(out, s.checkWritable(ctx))
	}
	return out
}

// whoAmI is an endpoint that tells whom the credential authenticates as:
// Elasticsearch's _security/_authenticate, or the OpenSearch security
// plugin's authinfo.
type whoAmI struct {
	req  esRequest
	path string                   // the endpoint, as the details name it
	user func(body []byte) string // the user, from a 200 reply
	fix  string                   // what to check when the credential is refused
	off  string                   // what a cluster that checks no credential lacks
}

var (
	esAuthenticate = whoAmI{
		req: esapi.SecurityAuthenticateRequest{}, path: "_security/_authenticate", user: esUser,
		fix: "check api_key_file/api_key_env, or username and password_file/password_env", off: "security is off",
	}
	openSearchAuthinfo = whoAmI{
		req: rawRequest{http.MethodGet, "/_plugins/_security/authinfo"}, path: "_plugins/_security/authinfo", user: openSearchUser,
		fix: "check username and password_file/password_env", off: "no security plugin",
	}
)

// esUser is the user of a _security/_authenticate reply: name, how it
// authenticated and the API key's name, if one did.
func esUser(body []byte) string {
	var who struct {
		Username string `json:"username"`
		AuthType string `json:"authentication_type"`
		APIKey   *struct {
			Name string `json:"name"`
		} `json:"api_key"`
	}
	_ = json.Unmarshal(body, &who)
	user := fmt.Sprintf("user %q (%s)", who.Username, who.AuthType)
	if who.APIKey != nil {
		user += fmt.Sprintf(", API key %q", who.APIKey.Name)
	}
	return user
}

// openSearchUser is the user of an authinfo reply.
func openSearchUser(body []byte) string {
	var who struct {
		User string `json:"user_name"`
	}
	_ = json.Unmarshal(body, &who)
	return fmt.Sprintf("user %q", who.User)
}

// checkCredential asks w whom the credential authenticates as. A cluster
// that checks no credential (security off: the endpoint answers 400 or
// 500 although GET / answered) passes, with secured false.
func (s *Sink) checkCredential(ctx context.Context, w whoAmI) (r exporter.CheckResult, secured bool) {
	r.Check = "credential accepted"
	status, _, body, err := s.probe(ctx, w.req)
	switch {
	case err != nil:
		r.Detail, r.Fix = err.Error(), "check urls; the cluster stopped answering between two requests"
	case status == http.StatusOK:
		r.OK, secured = true, true
		r.Detail = w.path + ": " + w.user(body)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		r.Detail = fmt.Sprintf("%s answered %d: %s", w.path, status, replyText(body))
		r.Fix = w.fix
	default:
		r.OK = true
		r.Detail = fmt.Sprintf("%s (%s answered %d): the cluster accepts any request", w.off, w.path, status)
	}
	return r, secured
}

func (s *Sink) checkWritable(ctx context.Context) exporter.CheckResult {
	r := exporter.CheckResult{Check: "writable"}
	names := slices.Compact([]string{s.enc.alertIndex, s.enc.auditIndex})
	q, _ := json.Marshal(map[string]any{"index": []map[string]any{{"names": names, "privileges": []string{"create_doc"}}}})
	status, _, body, err := s.probe(ctx, esapi.SecurityHasPrivilegesRequest{Body: bytes.NewReader(q)})
	var has struct {
		All *bool `json:"has_all_requested"`
	}
	_ = json.Unmarshal(body, &has)
	switch {
	case err != nil:
		r.Detail = err.Error()
	case status == http.StatusOK && has.All != nil && *has.All:
		r.OK, r.Detail = true, fmt.Sprintf("the credential holds create_doc on %s", strings.Join(names, ", "))
	case status == http.StatusOK && has.All != nil:
		r.Detail = fmt.Sprintf("the credential lacks create_doc on %s", strings.Join(names, " or "))
		r.Fix = "grant the role or API key the index privileges create_doc and auto_configure on those names"
	default:
		r.Detail = fmt.Sprintf("_security/user/_has_privileges answered %d: %s", status, replyText(body))
		r.Fix = "the credential may not query its own privileges; check it can write by hand"
	}
	return r
}

// probe makes one check request and returns the reply.
func (s *Sink) probe(ctx context.Context, req esRequest) (int, http.Header, []byte, error) {
	resp, err := req.Do(ctx, s.tp)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, resp.Header, body, nil
}
