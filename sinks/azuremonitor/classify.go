package azuremonitor

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// outcome is what Send does after one call.
type outcome int

const (
	accepted outcome = iota
	// retry: throttling, a server or the network; the whole batch again later.
	retry
	// paused: the identity, its role or the DCR, stream or endpoint is
	// wrong; an operator must act, every record is kept.
	paused
	// tooLarge: 413, the call is over the API's size limit; halve it.
	tooLarge
)

// verdict is the classification of one call.
type verdict struct {
	outcome    outcome
	err        error
	retryAfter time.Duration
}

// classify maps the SDK's error for one Upload to an outcome. It is the
// one place that decides retry versus pause versus too large:
//   - nil: accepted (the API answered 204);
//   - 413: too large;
//   - 401, 403: paused (the token, or the identity lacks the DCR's
//     "Monitoring Metrics Publisher" role);
//   - 400, 404: paused (the DCR id, stream or endpoint is wrong, or the
//     stream's schema refuses the body: no retry can fix the config);
//   - 408, 429, 5xx and any other status: retry, honouring Retry-After
//     (seconds or an HTTP date) or retry-after-ms;
//   - a token request Entra ID refused with 400 or 401 (wrong tenant,
//     client id, secret or certificate): paused; other token failures
//     (throttled, unreachable): retry;
//   - no answer at all (network, TLS, timeout): retry.
func classify(err error, now time.Time) verdict {
	if err == nil {
		return verdict{outcome: accepted}
	}
	var afe *azidentity.AuthenticationFailedError
	if errors.As(err, &afe) {
		return classifyToken(afe, now)
	}
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return verdict{outcome: retry, err: fmt.Errorf("azure monitor logs ingestion: %w", err)}
	}
	v := verdict{err: responseErr(re)}
	switch s := re.StatusCode; {
	case s == http.StatusRequestEntityTooLarge:
		v.outcome = tooLarge
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		v.outcome = paused
		v.err = fmt.Errorf("the ingestion API refused the token: give the identity the \"Monitoring Metrics Publisher\" role on the DCR (records are kept): %w", v.err)
	case s == http.StatusBadRequest || s == http.StatusNotFound:
		v.outcome = paused
		v.err = fmt.Errorf("the ingestion API refused the call: check endpoint, rule_id and stream against the DCR (records are kept): %w", v.err)
	default:
		v.outcome = retry
		v.retryAfter = retryAfter(re.RawResponse, now)
	}
	return v
}

// classifyToken classifies a failed token request.
func classifyToken(afe *azidentity.AuthenticationFailedError, now time.Time) verdict {
	resp := afe.RawResponse
	if resp == nil {
		return verdict{outcome: retry, err: fmt.Errorf("get a token: %s", firstLine(afe.Error()))}
	}
	var reply struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(readBody(resp), &reply)
	desc := firstLine(reply.Description)
	if desc == "" {
		desc = http.StatusText(resp.StatusCode)
	}
	err := fmt.Errorf("get a token from %s: %d %s: %s", hostOf(resp), resp.StatusCode, reply.Error, desc)
	switch resp.StatusCode {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return verdict{outcome: paused, err: fmt.Errorf("microsoft entra ID refused the sink's identity: check auth (tenant, client id, secret or certificate) (records are kept): %w", err)}
	}
	return verdict{outcome: retry, err: err, retryAfter: retryAfter(resp, now)}
}

// responseErr describes an ingestion API error reply in one line: status,
// the service's error code and message (never the request's records).
func responseErr(re *azcore.ResponseError) error {
	var reply struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if re.RawResponse != nil {
		_ = json.Unmarshal(readBody(re.RawResponse), &reply)
	}
	code := re.ErrorCode
	if code == "" {
		code = reply.Error.Code
	}
	msg := firstLine(reply.Error.Message)
	if msg == "" {
		msg = http.StatusText(re.StatusCode)
	}
	if code != "" {
		return fmt.Errorf("azure monitor logs ingestion answered %d %s: %s", re.StatusCode, code, msg)
	}
	return fmt.Errorf("azure monitor logs ingestion answered %d: %s", re.StatusCode, msg)
}

// retryAfter reads the wait a throttled reply asks for: retry-after-ms
// (or x-ms-retry-after-ms), then Retry-After in seconds or as a date.
// Zero means the delivery loop's own backoff.
func retryAfter(resp *http.Response, now time.Time) time.Duration {
	if resp == nil {
		return 0
	}
	for _, h := range []string{"retry-after-ms", "x-ms-retry-after-ms"} {
		if ms, err := strconv.ParseInt(strings.TrimSpace(resp.Header.Get(h)), 10, 64); err == nil && ms > 0 {
			return min(time.Duration(ms)*time.Millisecond, exporter.MaxRetryAfter)
		}
	}
	d, _ := exporter.ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	return d
}

// readBody reads what is left of a reply the SDK buffered, at most 64 KiB.
func readBody(resp *http.Response) []byte {
	if resp.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return b
}

func hostOf(resp *http.Response) string {
	if resp.Request == nil || resp.Request.URL == nil {
		return "the authority"
	}
	return resp.Request.URL.Host
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}
