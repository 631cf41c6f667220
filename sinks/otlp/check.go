package otlp

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/tlsconf"
)

// Check proves the sink would deliver without sending a record: it posts
// an ExportLogsServiceRequest holding no log record (valid OTLP, which a
// collector answers without passing anything down its pipeline), with the
// sink's headers, token and compression. An answer proves the endpoint
// reachable (and its certificate verified); anything but 401 or 403 the
// credential accepted; a 2xx carrying an OTLP response that the URL is an
// OTLP/HTTP logs endpoint.
func (s *Sink) Check(ctx context.Context) []exporter.CheckResult {
	ctx, cancel := context.WithTimeout(ctx, min(s.timeout, 10*time.Second))
	defer cancel()
	reach := exporter.CheckResult{Check: "reachable"}
	body, err := s.emptyRequest()
	if err != nil {
		reach.Detail = err.Error()
		return []exporter.CheckResult{reach}
	}
	resp, reply, err := s.do(ctx, body)
	if err != nil {
		return tlsconf.Unreached(err, "trust the endpoint's certificate: set ca_file to its CA bundle (PEM), or fix the host name in the URL",
			"check endpoint (or logs_endpoint) and that the collector is listening (OTLP/HTTP: port 4318) and not firewalled")
	}
	reach.OK, reach.Detail = true, fmt.Sprintf("%s answered %d", s.url, resp.StatusCode)
	out := []exporter.CheckResult{reach, tlsconf.Verdict(strings.HasPrefix(s.url, "https://"), tlsconf.Of(s.client), "no TLS: the URL is http:// (records and any token travel in clear text)")}
	v := classify(resp.StatusCode, resp.Header, reply, s.now())
	cred := exporter.CheckResult{Check: "credential accepted", OK: true, Detail: "the endpoint did not refuse the request's credential"}
	if v.status == http.StatusUnauthorized || v.status == http.StatusForbidden {
		cred.OK, cred.Detail = false, v.err().Error()
		cred.Fix = "check token_file/token_env, token_header and token_scheme (or the headers the endpoint expects)"
		return append(out, cred)
	}
	out = append(out, cred)
	otlp := exporter.CheckResult{Check: "accepts OTLP logs"}
	switch {
	case v.outcome == accepted:
		otlp.OK, otlp.Detail = true, fmt.Sprintf("an empty OTLP logs request got %d and an OTLP response", v.status)
	case v.notOTLP:
		otlp.Detail, otlp.Fix = v.err().Error(), "point endpoint at the OTLP/HTTP receiver (http(s)://HOST:4318) or logs_endpoint at its logs URL"
	case v.outcome == paused:
		otlp.Detail, otlp.Fix = v.err().Error(), "check the URL: the sink posts to "+s.url
	default:
		otlp.Detail, otlp.Fix = v.err().Error(), "the endpoint answered but did not accept an empty request; see its logs"
	}
	return append(out, otlp)
}

// emptyRequest is an ExportLogsServiceRequest with no record, compressed
// like every request.
func (s *Sink) emptyRequest() ([]byte, error) {
	pb, err := plogotlp.NewExportRequest().MarshalProto()
	if err != nil || !s.compress {
		return pb, err
	}
	return s.gzip(pb)
}
