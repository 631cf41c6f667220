package splunkhec

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
)

// HEC's JSON status codes that change the outcome of a 400 (Splunk's
// "Possible error codes" table). The others: 0 success, 1 token disabled,
// 2 token required, 3 invalid authorization, 4 invalid token, 5 no data,
// 6 invalid data format, 12 event field required, 13 event field blank,
// 15 error in handling indexed fields, 17 healthy, 18-20 unhealthy.
const (
	codeIncorrectIndex  = 7
	codeInternalError   = 8
	codeServerBusy      = 9
	codeChannelMissing  = 10
	codeInvalidChannel  = 11
	codeAckDisabled     = 14
	codeQueryStringAuth = 16
)

// reply is HEC's JSON answer, {"text":"Success","code":0,"ackId":7}.
type reply struct {
	Text               string `json:"text"`
	Code               *int   `json:"code"`
	AckID              *int64 `json:"ackId"`
	InvalidEventNumber *int   `json:"invalid-event-number"`
}

// verdict is the classification of one HTTP exchange.
type verdict struct {
	outcome    splunk.Outcome
	status     int
	reply      reply
	retryAfter time.Duration
	// notHEC: a 2xx to an event post without HEC's success reply.
	notHEC bool
}

// err describes the verdict for logs and errors; it quotes HEC's own text
// but never the request (which carries record content) or the token.
func (v verdict) err() error {
	code := "none"
	if v.reply.Code != nil {
		code = strconv.Itoa(*v.reply.Code)
	}
	if v.notHEC {
		return fmt.Errorf("splunk HEC URL answered %d without HEC's success reply {\"code\":0}: is url a Splunk HEC endpoint?", v.status)
	}
	text := v.reply.Text
	if text == "" {
		text = http.StatusText(v.status)
	}
	return fmt.Errorf("splunk HEC replied %d code %s: %s", v.status, code, text)
}

// classify maps HEC's HTTP status and JSON code to an outcome. It is the
// one place that decides retry versus pause versus bad data:
//   - 2xx: accepted;
//   - 429, 408, 5xx (and codes 8, 9, 18-20): retry, honouring Retry-After
//     given in seconds or as an HTTP date;
//   - 401, 403 (codes 1-4): paused until the token is fixed;
//   - 400 with a configuration code (7 index, 10/11 channel, 14 ack
//     disabled, 16 query-string auth) and 404/405 (wrong URL): paused;
//   - other 400 (codes 5, 6, 12, 13, 15, or no JSON) and 413: bad data;
//   - any other status: retry.
func classify(status int, h http.Header, body []byte, now time.Time) verdict {
	v := verdict{status: status}
	_ = json.Unmarshal(body, &v.reply) // a proxy's HTML page leaves reply empty
	code := -1
	if v.reply.Code != nil {
		code = *v.reply.Code
	}
	switch {
	case status >= 200 && status < 300:
		v.outcome = splunk.Accepted
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		v.outcome = splunk.Paused
	case status == http.StatusBadRequest:
		switch code {
		case codeIncorrectIndex, codeChannelMissing, codeInvalidChannel, codeAckDisabled, codeQueryStringAuth:
			v.outcome = splunk.Paused
		case codeInternalError, codeServerBusy:
			v.outcome = splunk.Retry
		default:
			v.outcome = splunk.BadData
		}
	case status == http.StatusRequestEntityTooLarge:
		v.outcome = splunk.BadData
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
		v.outcome = splunk.Paused
	default: // 408, 429, 5xx and anything unexpected
		v.outcome = splunk.Retry
	}
	if v.outcome == splunk.Retry {
		v.retryAfter = retryAfter(h.Get("Retry-After"), now)
	}
	return v
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date.
// Unparseable or past values mean "use the loop's own backoff" (zero).
func retryAfter(s string, now time.Time) time.Duration {
	d, _ := exporter.ParseRetryAfter(s, now)
	return d
}
