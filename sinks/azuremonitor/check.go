package azuremonitor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Check proves the sink would deliver without ingesting a record: a token
// for the ingestion audience is acquired ("credential accepted"), then an
// upload of an empty JSON array `[]` to the DCR's stream, which ingests
// nothing but is authenticated and authorized like any call: 204 proves
// the DCE answers ("reachable", "tls verified") and that the identity
// holds the DCR's role and the rule and stream exist ("upload accepted").
func (s *Sink) Check(ctx context.Context) []exporter.CheckResult {
	ctx, cancel := context.WithTimeout(ctx, min(s.timeout, 20*time.Second))
	defer cancel()
	tok := exporter.CheckResult{Check: "credential accepted"}
	if _, err := s.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{s.scope}}); err != nil {
		v := classify(err, s.now())
		tok.Detail = v.err.Error()
		tok.Fix = "check auth (method, tenant_id, client_id, the secret or certificate) and auth.authority_host"
		// The identity library does not keep a TLS failure in its error:
		// ask the authority directly to tell a certificate problem apart.
		if perr := s.probeAuthority(ctx); perr != nil {
			tok.Detail = fmt.Sprintf("%s (the authority itself: %v)", tok.Detail, perr)
			if exporter.IsCertError(perr) {
				tok.Fix = "trust the authority's certificate: set ca_file to its CA bundle (PEM), or fix auth.authority_host"
			} else {
				tok.Fix = "check auth.authority_host and that it is reachable (proxy, firewall)"
			}
		}
		return []exporter.CheckResult{tok}
	}
	tok.OK, tok.Detail = true, "a token for "+s.scope+" was issued"
	out := []exporter.CheckResult{tok}

	reach := exporter.CheckResult{Check: "reachable"}
	_, err := s.client.Upload(ctx, s.ruleID, s.stream, []byte("[]"), nil)
	var re *azcore.ResponseError
	switch {
	case err != nil && !errors.As(err, &re):
		reach.Detail = err.Error()
		if exporter.IsCertError(err) {
			reach.OK, reach.Detail = true, s.endpoint+" answers, but "+err.Error()
			return append(out, reach, exporter.CheckResult{Check: "tls verified", Detail: err.Error(),
				Fix: "trust the DCE's certificate: set ca_file to its CA bundle (PEM), or fix endpoint"})
		}
		reach.Fix = "check endpoint (the DCE's logs ingestion URL) and that it is not firewalled"
		return append(out, reach)
	}
	reach.OK, reach.Detail = true, s.endpoint+" answered"
	out = append(out, reach, exporter.CheckResult{Check: "tls verified", OK: true, Detail: "certificate verified"})
	up := exporter.CheckResult{Check: "upload accepted"}
	if err == nil {
		up.OK, up.Detail = true, fmt.Sprintf("an empty upload to %s/streams/%s got 204: the identity may ingest into the stream", s.ruleID, s.stream)
		return append(out, up)
	}
	up.Detail = responseErr(re).Error()
	switch re.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		up.Fix = "give the identity the \"Monitoring Metrics Publisher\" role on the DCR (role assignments take up to 30 minutes to apply), and check audience"
	case http.StatusNotFound, http.StatusBadRequest:
		up.Fix = "check rule_id (the DCR's immutable id) and stream against the DCR, and that endpoint is the DCE the DCR is associated with"
	default:
		up.Fix = "the ingestion API is unwell; try again later"
	}
	return append(out, up)
}

// probeAuthority fetches the tenant's OpenID configuration from the
// authority host over the sink's transport; nil when it answers (any
// status) or the identity is a managed one (whose endpoint is the
// platform's).
func (s *Sink) probeAuthority(ctx context.Context) error {
	if s.authority == "" {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.authority, http.NoBody)
	if err != nil {
		return err
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}
