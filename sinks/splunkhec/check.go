package splunkhec

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/tlsconf"
)

var _ exporter.Checker = (*Sink)(nil)

// Check proves the sink would deliver without sending an event: HEC's
// health endpoint answers (reachable, TLS verified), then an event POST
// with an empty body, which Splunk answers 400 "No data" (code 5) only once
// the token is accepted, and 401 or 403 when it is not.
func (s *Sink) Check(ctx context.Context) []exporter.CheckResult {
	ctx, cancel := context.WithTimeout(ctx, min(s.timeout, 10*time.Second))
	defer cancel()
	reach := exporter.CheckResult{Check: "reachable"}
	status, _, err := s.checkRequest(ctx, http.MethodGet, pathHealth)
	if err != nil {
		return tlsconf.Unreached(err, "trust HEC's certificate: set ca_file to its CA bundle (PEM), or fix the host name in url",
			"check url and that HEC is listening and not firewalled")
	}
	reach.OK, reach.Detail = true, fmt.Sprintf("%s answered %d", s.base+pathHealth, status)
	out := []exporter.CheckResult{reach, tlsconf.Verdict(strings.HasPrefix(s.base, "https://"), tlsconf.Of(s.client), "no TLS: url is http:// (the token travels in clear text)")}

	cred := exporter.CheckResult{Check: "credential accepted"}
	status, body, err := s.checkRequest(ctx, http.MethodPost, pathEvent)
	var reply struct {
		Text string `json:"text"`
		Code *int   `json:"code"`
	}
	_ = json.Unmarshal(body, &reply)
	switch {
	case err != nil:
		cred.Detail, cred.Fix = err.Error(), "check url; HEC stopped answering between two requests"
	case status == http.StatusBadRequest && reply.Code != nil && *reply.Code == 5,
		status >= 200 && status < 300 && reply.Code != nil && *reply.Code == 0:
		cred.OK, cred.Detail = true, fmt.Sprintf("an empty event POST got %d %q: the token is valid", status, reply.Text)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		cred.Detail = fmt.Sprintf("HEC answered %d %s", status, describeReply(reply.Text, body))
		cred.Fix = "the HEC token is wrong or disabled: check token_file/token_env and the token's state in Splunk"
	case status == http.StatusBadRequest && reply.Code != nil && *reply.Code == 10:
		cred.Detail = "HEC answered 400 \"Data channel is missing\": the token requires indexer acknowledgement"
		cred.Fix = "set ack.enabled: true"
	default:
		cred.Detail = fmt.Sprintf("HEC answered %d %s", status, describeReply(reply.Text, body))
		cred.Fix = "check url points at the HEC endpoint (https://HOST:8088)"
	}
	return append(out, cred)
}

func describeReply(text string, body []byte) string {
	if text != "" {
		return fmt.Sprintf("%q", text)
	}
	return fmt.Sprintf("%q", strings.TrimSpace(string(body)))
}

// checkRequest sends one request with the sink's headers and no body.
func (s *Sink) checkRequest(ctx context.Context, method, path string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, http.NoBody)
	if err != nil {
		return 0, nil, err
	}
	s.headers(req)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, body, nil
}
