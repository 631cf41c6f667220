package otlp

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	json "github.com/goccy/go-json"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// outcome is what the sink does after one request.
type outcome int

const (
	// accepted: the server took the request (partial success may still
	// have refused some of its records).
	accepted outcome = iota
	// retry: throttling, server or network trouble; send again later.
	retry
	// paused: the credential or the endpoint is wrong; an operator must
	// act, every record is kept.
	paused
	// badData: the server refused the content; bisect to find the records.
	badData
)

// verdict is the classification of one HTTP exchange.
type verdict struct {
	outcome    outcome
	status     int
	msg        string // the server's message: Status.message or partial_success.error_message
	rejected   int64  // partial_success.rejected_log_records of an accepted request
	retryAfter time.Duration
	// notOTLP: a 2xx whose body is not an ExportLogsServiceResponse.
	notOTLP bool
	// cause is the failure when there was no reply (a transport error) or
	// no request (the body could not be built).
	cause error
}

// err describes the verdict for logs and errors; it quotes the server's
// message but never the request (which carries record content) or the
// token.
func (v verdict) err() error {
	switch {
	case v.cause != nil:
		return v.cause
	case v.notOTLP:
		return fmt.Errorf("OTLP endpoint answered %d with a body that is not an OTLP logs response (%s): is the URL an OTLP/HTTP logs endpoint?", v.status, v.msg)
	case v.rejected > 0:
		return fmt.Errorf("OTLP endpoint rejected %d log records of the request (partial success): %s", v.rejected, orNone(v.msg))
	}
	return fmt.Errorf("OTLP endpoint replied %d %s: %s", v.status, http.StatusText(v.status), orNone(v.msg))
}

func orNone(s string) string {
	if s == "" {
		return "no message"
	}
	return s
}

// classify maps the server's reply to an outcome, following the OTLP/HTTP
// specification where it is specific and keeping records where it is not:
//   - 2xx: accepted; the body, an ExportLogsServiceResponse, may report a
//     partial success (rejected_log_records > 0: those records must not be
//     sent again). A 2xx body that is no such response (a web page) is
//     paused: counting it as accepted would lose every record;
//   - 400 (the request is malformed or refused) and 413: bad data;
//   - 401, 403: paused until the credential is fixed; 404, 405, 415 (wrong
//     URL or not an OTLP/HTTP endpoint): paused;
//   - 429, 502, 503, 504, any other 5xx or unexpected status: retry,
//     honouring Retry-After given in seconds or as an HTTP date. The
//     specification lets a client drop on other 5xx; this sink keeps them.
func classify(status int, h http.Header, body []byte, now time.Time) verdict {
	v := verdict{status: status}
	switch {
	case status >= 200 && status < 300:
		v.outcome = accepted
		if err := partialSuccess(&v, h.Get("Content-Type"), body); err != nil {
			v.outcome, v.notOTLP, v.msg = paused, true, err.Error()
		}
		return v
	case status == http.StatusBadRequest || status == http.StatusRequestEntityTooLarge:
		v.outcome = badData
	case status == http.StatusUnauthorized || status == http.StatusForbidden,
		status == http.StatusNotFound || status == http.StatusMethodNotAllowed || status == http.StatusUnsupportedMediaType:
		v.outcome = paused
	default:
		v.outcome = retry
		v.retryAfter, _ = exporter.ParseRetryAfter(h.Get("Retry-After"), now)
	}
	v.msg = statusMessage(h.Get("Content-Type"), body)
	return v
}

// partialSuccess reads an accepted request's ExportLogsServiceResponse
// (protobuf, or JSON when the server answers JSON) into v. An empty body is
// an empty response.
func partialSuccess(v *verdict, contentType string, body []byte) error {
	if len(body) == 0 {
		return nil
	}
	resp := plogotlp.NewExportResponse()
	var err error
	switch mediaType(contentType) {
	case "application/x-protobuf", "application/protobuf", "":
		err = resp.UnmarshalProto(body)
	case "application/json":
		err = resp.UnmarshalJSON(body)
	default:
		return fmt.Errorf("content type %q: %s", contentType, snippet(body))
	}
	if err != nil {
		return fmt.Errorf("%w: %s", err, snippet(body))
	}
	ps := resp.PartialSuccess()
	v.rejected, v.msg = ps.RejectedLogRecords(), ps.ErrorMessage()
	return nil
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	return mt
}

// statusMessage reads the message of a failed request's body: a
// google.rpc.Status (protobuf: field 2; or JSON), or the start of
// whatever else it is (a proxy's page).
func statusMessage(contentType string, body []byte) string {
	switch mediaType(contentType) {
	case "application/x-protobuf", "application/protobuf":
		if m, ok := protoStatusMessage(body); ok {
			return m
		}
	case "application/json":
		var s struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &s) == nil && s.Message != "" {
			return s.Message
		}
	}
	return snippet(body)
}

// protoStatusMessage reads field 2 (message) of a google.rpc.Status.
func protoStatusMessage(b []byte) (string, bool) {
	msg, found := "", false
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return "", false
		}
		b = b[n:]
		if num == 2 && typ == protowire.BytesType {
			s, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return "", false
			}
			msg, found = string(s), true
			b = b[n:]
			continue
		}
		if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return "", false
		}
		b = b[n:]
	}
	return msg, found
}

// snippet is the start of a body for an error message: at most 200 bytes
// of valid UTF-8 on one line.
func snippet(b []byte) string {
	s := strings.ToValidUTF8(string(b[:min(len(b), 200)]), "")
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "empty body"
	}
	if len(b) > 200 {
		s += " …"
	}
	return s
}
