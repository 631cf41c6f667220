package otlp

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/protobuf/encoding/protowire"
)

// partialProto is an ExportLogsServiceResponse reporting rejected records.
func partialProto(t testing.TB, rejected int64, msg string) string {
	resp := plogotlp.NewExportResponse()
	resp.PartialSuccess().SetRejectedLogRecords(rejected)
	resp.PartialSuccess().SetErrorMessage(msg)
	b, err := resp.MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// statusProto is a google.rpc.Status with code and message.
func statusProto(code int, msg string) string {
	b := protowire.AppendTag(nil, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(code))
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, msg)
	return string(b)
}

func TestClassify(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	date := now.Add(90 * time.Second).Format(http.TimeFormat)
	const pb, js = "application/x-protobuf", "application/json"
	tests := []struct {
		name         string
		status       int
		contentType  string
		retryAfter   string
		body         string
		want         outcome
		wantAfter    time.Duration
		wantRejected int64
		wantMsg      string // substring of err()
	}{
		{"accepted, empty body", 200, pb, "", "", accepted, 0, 0, ""},
		{"accepted, empty response", 200, pb, "", partialProto(t, 0, ""), accepted, 0, 0, ""},
		{"accepted with a warning", 200, pb, "", partialProto(t, 0, "attribute too long, truncated"), accepted, 0, 0, "truncated"},
		{"partial success", 200, pb, "", partialProto(t, 3, "3 records too old"), accepted, 0, 3, "rejected 3 log records of the request (partial success): 3 records too old"},
		{"partial success as json", 200, js, "", `{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"dropped"}}`, accepted, 0, 2, "dropped"},
		{"json empty response", 200, js, "", `{}`, accepted, 0, 0, ""},
		{"web page with 200", 200, "text/html; charset=utf-8", "", `<html>welcome</html>`, paused, 0, 0, "not an OTLP logs response"},
		{"garbage protobuf", 200, pb, "", "\xff\xff\xff", paused, 0, 0, "not an OTLP logs response"},
		{"bad request", 400, pb, "", statusProto(3, "invalid log record"), badData, 0, 0, "replied 400 Bad Request: invalid log record"},
		{"bad request as json", 400, js, "", `{"code":3,"message":"cannot unmarshal"}`, badData, 0, 0, "cannot unmarshal"},
		{"too large", 413, "text/plain", "", "request body too large", badData, 0, 0, "request body too large"},
		{"unauthorized", 401, "text/plain", "", "Unauthorized", paused, 0, 0, "replied 401"},
		{"forbidden", 403, pb, "", statusProto(7, "tenant not allowed"), paused, 0, 0, "tenant not allowed"},
		{"wrong path", 404, "text/plain", "", "404 page not found", paused, 0, 0, "404 page not found"},
		{"wrong method", 405, "", "", "", paused, 0, 0, "405 Method Not Allowed: empty body"},
		{"wrong content type", 415, "", "", "", paused, 0, 0, "415"},
		{"throttled seconds", 429, pb, "30", statusProto(8, "rate limited"), retry, 30 * time.Second, 0, "rate limited"},
		{"throttled date", 429, "", date, "", retry, 90 * time.Second, 0, "429"},
		{"unavailable", 503, pb, "5", statusProto(14, "memory limiter"), retry, 5 * time.Second, 0, "memory limiter"},
		{"bad gateway", 502, "text/html", "", "<html>bad gateway</html>", retry, 0, 0, "bad gateway"},
		{"gateway timeout", 504, "", "", "", retry, 0, 0, "504"},
		{"internal", 500, "", "", "", retry, 0, 0, "500"},
		{"request timeout", 408, "", "", "", retry, 0, 0, "408"},
		{"unparseable retry-after", 503, "", "soon", "", retry, 0, 0, "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.contentType != "" {
				h.Set("Content-Type", tt.contentType)
			}
			if tt.retryAfter != "" {
				h.Set("Retry-After", tt.retryAfter)
			}
			v := classify(tt.status, h, []byte(tt.body), now)
			if v.outcome != tt.want || v.retryAfter != tt.wantAfter || v.rejected != tt.wantRejected {
				t.Fatalf("classify = outcome %d after %s rejected %d, want %d after %s rejected %d (%v)",
					v.outcome, v.retryAfter, v.rejected, tt.want, tt.wantAfter, tt.wantRejected, v.err())
			}
			msg := v.err().Error()
			if tt.wantMsg != "" && !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("err() = %q, want it to contain %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("é", 150) // 300 bytes
	if s := snippet([]byte(long)); !strings.HasSuffix(s, " …") || len(s) > 210 || strings.ContainsRune(s, '\uFFFD') {
		t.Errorf("snippet of a long body = %q", s)
	}
	if s := snippet([]byte("a\n\tb  c")); s != "a b c" {
		t.Errorf("snippet = %q", s)
	}
	if s := snippet(nil); s != "empty body" {
		t.Errorf("snippet(nil) = %q", s)
	}
}
