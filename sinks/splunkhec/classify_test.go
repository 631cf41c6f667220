package splunkhec

import (
	"net/http"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
)

func TestClassify(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	date := now.Add(90 * time.Second).Format(http.TimeFormat)
	tests := []struct {
		name       string
		status     int
		retryAfter string
		body       string
		want       splunk.Outcome
		wantAfter  time.Duration
		wantAckID  int64
	}{
		{"success", 200, "", `{"text":"Success","code":0}`, splunk.Accepted, 0, 0},
		{"success with ack", 200, "", `{"text":"Success","code":0,"ackId":7}`, splunk.Accepted, 0, 7},
		{"healthy", 200, "", `{"text":"HEC is healthy","code":17}`, splunk.Accepted, 0, 0},
		{"token disabled", 403, "", `{"text":"Token disabled","code":1}`, splunk.Paused, 0, 0},
		{"token required", 401, "", `{"text":"Token is required","code":2}`, splunk.Paused, 0, 0},
		{"invalid authorization", 401, "", `{"text":"Invalid authorization","code":3}`, splunk.Paused, 0, 0},
		{"invalid token", 403, "", `{"text":"Invalid token","code":4}`, splunk.Paused, 0, 0},
		{"otel plain-text 401", 401, "", `Unauthorized`, splunk.Paused, 0, 0},
		{"no data", 400, "", `{"text":"No data","code":5}`, splunk.BadData, 0, 0},
		{"invalid data format", 400, "", `{"text":"Invalid data format","code":6,"invalid-event-number":3}`, splunk.BadData, 0, 0},
		{"incorrect index", 400, "", `{"text":"Incorrect index","code":7,"invalid-event-number":1}`, splunk.Paused, 0, 0},
		{"internal error as 400", 400, "", `{"text":"Internal server error","code":8}`, splunk.Retry, 0, 0},
		{"busy as 400", 400, "", `{"text":"Server is busy","code":9}`, splunk.Retry, 0, 0},
		{"channel missing", 400, "", `{"text":"Data channel is missing","code":10}`, splunk.Paused, 0, 0},
		{"invalid channel", 400, "", `{"text":"Invalid data channel","code":11}`, splunk.Paused, 0, 0},
		{"event required", 400, "", `{"text":"Event field is required","code":12}`, splunk.BadData, 0, 0},
		{"event blank", 400, "", `{"text":"Event field cannot be blank","code":13}`, splunk.BadData, 0, 0},
		{"ack disabled", 400, "", `{"text":"ACK is disabled","code":14}`, splunk.Paused, 0, 0},
		{"indexed fields", 400, "", `{"text":"Error in handling indexed fields","code":15}`, splunk.BadData, 0, 0},
		{"query string auth", 400, "", `{"text":"Query string authorization is not enabled","code":16}`, splunk.Paused, 0, 0},
		{"400 without json", 400, "", `<html>bad</html>`, splunk.BadData, 0, 0},
		{"too large", 413, "", ``, splunk.BadData, 0, 0},
		{"wrong path", 404, "", `Not Found`, splunk.Paused, 0, 0},
		{"throttled seconds", 429, "30", ``, splunk.Retry, 30 * time.Second, 0},
		{"throttled date", 429, date, ``, splunk.Retry, 90 * time.Second, 0},
		{"busy", 503, "5", `{"text":"Server is busy","code":9}`, splunk.Retry, 5 * time.Second, 0},
		{"unhealthy queues full", 503, "", `{"text":"HEC is unhealthy, queues are full","code":18}`, splunk.Retry, 0, 0},
		{"internal", 500, "", `{"text":"Internal server error","code":8}`, splunk.Retry, 0, 0},
		{"bad gateway html", 502, "", `<html>proxy</html>`, splunk.Retry, 0, 0},
		{"request timeout", 408, "", ``, splunk.Retry, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.retryAfter != "" {
				h.Set("Retry-After", tt.retryAfter)
			}
			v := classify(tt.status, h, []byte(tt.body), now)
			if v.outcome != tt.want || v.retryAfter != tt.wantAfter {
				t.Errorf("classify(%d, %q) = %s after %s, want %s after %s", tt.status, tt.body, v.outcome, v.retryAfter, tt.want, tt.wantAfter)
			}
			var ack int64
			if v.reply.AckID != nil {
				ack = *v.reply.AckID
			}
			if ack != tt.wantAckID {
				t.Errorf("ackId = %d, want %d", ack, tt.wantAckID)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"7", 7 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"-3", 0},
		{"soon", 0},
		{now.Add(time.Hour).Format(http.TimeFormat), time.Hour},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"Mon, 05 Jan 2026 09:00:42 GMT", 42 * time.Second},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.in, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestVerdictErr_QuotesHECTextOnly(t *testing.T) {
	v := classify(403, nil, []byte(`{"text":"Invalid token","code":4}`), time.Now())
	if got, want := v.err().Error(), "splunk HEC replied 403 code 4: Invalid token"; got != want {
		t.Errorf("err = %q, want %q", got, want)
	}
	v = classify(502, nil, []byte(`<html>`), time.Now())
	if got, want := v.err().Error(), "splunk HEC replied 502 code none: Bad Gateway"; got != want {
		t.Errorf("err = %q, want %q", got, want)
	}
}
