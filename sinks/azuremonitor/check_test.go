package azuremonitor

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

func checkSummary(rs []exporter.CheckResult) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%s=%v ", r.Check, r.OK)
	}
	return strings.TrimSpace(b.String())
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*fakeAzure, *Config)
		want  string
		fix   string
	}{
		{"ok", nil, "credential accepted=true reachable=true tls verified=true upload accepted=true", ""},
		{"role missing", func(f *fakeAzure, _ *Config) { f.answer(reply{status: 403}) },
			"credential accepted=true reachable=true tls verified=true upload accepted=false", "Monitoring Metrics Publisher"},
		{"wrong stream", func(_ *fakeAzure, c *Config) { c.Stream = "Custom-Other_CL" },
			"credential accepted=true reachable=true tls verified=true upload accepted=false", "rule_id"},
		{"wrong secret", func(_ *fakeAzure, c *Config) { c.Auth.ClientSecretFile = writeFile(t, "wrong", "nope") },
			"credential accepted=false", "tenant_id"},
		{"untrusted authority", func(_ *fakeAzure, c *Config) { c.CAFile = "" },
			"credential accepted=false", "ca_file"},
		{"untrusted DCE", func(f *fakeAzure, _ *Config) {
			// the DCE's certificate now comes from a CA ca_file does not hold
			_, f.dce.TLS.Certificates[0] = testTLS(t)
		}, "credential accepted=true reachable=true tls verified=false", "ca_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAzure(t)
			c := f.config(t)
			if tc.setup != nil {
				tc.setup(f, &c)
			}
			got := newSink(t, c).Check(context.Background())
			if s := checkSummary(got); s != tc.want {
				t.Fatalf("got %s\nwant %s\n%+v", s, tc.want, got)
			}
			if last := got[len(got)-1]; !strings.Contains(last.Fix, tc.fix) {
				t.Fatalf("fix %q, want it to mention %q", last.Fix, tc.fix)
			}
			if _, _, recs := f.stats(); len(recs) != 0 {
				t.Fatalf("check ingested %d records", len(recs))
			}
		})
	}
}

func TestClassify(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	resp := func(status int, h map[string]string, body string) *http.Response {
		r := &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{},
			Body: http.NoBody, Request: &http.Request{Method: http.MethodPost, URL: &url.URL{Scheme: "https", Host: "dce.example", Path: "/dataCollectionRules"}}}
		for k, v := range h {
			r.Header.Set(k, v)
		}
		if body != "" {
			r.Body = nopBody(body)
		}
		return r
	}
	for _, tc := range []struct {
		name  string
		err   error
		want  outcome
		after time.Duration
	}{
		{"accepted", nil, accepted, 0},
		{"network", fmt.Errorf("dial tcp: connection refused"), retry, 0},
		{"413", runtime.NewResponseError(resp(413, nil, "")), tooLarge, 0},
		{"429 date", runtime.NewResponseError(resp(429, map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, "")), retry, 90 * time.Second},
		{"429 x-ms", runtime.NewResponseError(resp(429, map[string]string{"x-ms-retry-after-ms": "250"}, "")), retry, 250 * time.Millisecond},
		{"503", runtime.NewResponseError(resp(503, map[string]string{"Retry-After": "3"}, "")), retry, 3 * time.Second},
		{"408", runtime.NewResponseError(resp(408, nil, "")), retry, 0},
		{"401", runtime.NewResponseError(resp(401, nil, "")), paused, 0},
		{"403", runtime.NewResponseError(resp(403, nil, "")), paused, 0},
		{"404", runtime.NewResponseError(resp(404, nil, "")), paused, 0},
		{"400", runtime.NewResponseError(resp(400, nil, `{"error":{"code":"InvalidStream","message":"bad stream"}}`)), paused, 0},
		{"token 401", &azidentity.AuthenticationFailedError{RawResponse: resp(401, nil, `{"error":"invalid_client"}`)}, paused, 0},
		{"token 429", &azidentity.AuthenticationFailedError{RawResponse: resp(429, map[string]string{"Retry-After": "5"}, "")}, retry, 5 * time.Second},
		{"token no reply", &azidentity.AuthenticationFailedError{}, retry, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := classify(tc.err, now)
			if v.outcome != tc.want || v.retryAfter != tc.after {
				t.Fatalf("got %v after %v (%v); want %v after %v", v.outcome, v.retryAfter, v.err, tc.want, tc.after)
			}
			if tc.name == "400" && !strings.Contains(v.err.Error(), "InvalidStream: bad stream") {
				t.Fatalf("error %q: want the service's code and message", v.err)
			}
			if tc.err != nil && (v.err == nil || strings.Contains(v.err.Error(), "\n")) {
				t.Fatalf("error %q: want one line", v.err)
			}
		})
	}
}

func nopBody(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }
