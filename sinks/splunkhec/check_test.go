package splunkhec

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

func resultsText(rs []exporter.CheckResult) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Check)
		if r.OK {
			b.WriteString(": ok: ")
		} else {
			b.WriteString(": FAIL: ")
		}
		b.WriteString(r.Detail + " | " + r.Fix + "\n")
	}
	return b.String()
}

// The online check against a real HEC receiver: a good token over verified
// TLS passes every check, a wrong token fails only "credential accepted",
// an untrusted certificate fails "tls verified". No event is delivered.
func TestCheck_Otelcol(t *testing.T) {
	h := receivers.StartOtelcolHEC(t, receivers.OtelcolHECOptions{TLS: true})
	ctx := context.Background()

	good := newSink(t, otelcolConfig(t, h))
	rs := good.Check(ctx)
	if len(rs) != 3 || !rs[0].OK || !rs[1].OK || !rs[2].OK || rs[1].Detail != "certificate verified" {
		t.Fatalf("good token:\n%s", resultsText(rs))
	}

	c := otelcolConfig(t, h)
	c.TokenFile = tokenFile(t, "00000000-0000-0000-0000-000000000000")
	rs = newSink(t, c).Check(ctx)
	if len(rs) != 3 || !rs[0].OK || rs[2].OK || !strings.Contains(rs[2].Detail, "401") || rs[2].Fix == "" {
		t.Fatalf("wrong token:\n%s", resultsText(rs))
	}

	c = otelcolConfig(t, h)
	c.CAFile = ""
	rs = newSink(t, c).Check(ctx)
	if len(rs) != 2 || rs[1].Check != "tls verified" || rs[1].OK || !strings.Contains(rs[1].Fix, "ca_file") {
		t.Fatalf("untrusted certificate:\n%s", resultsText(rs))
	}
	if evs, err := h.Events(); err != nil || len(evs) != 0 {
		t.Fatalf("the check delivered %d events (%v)", len(evs), err)
	}
}

// A web server at the URL answers everything 200 with HTML: reachable, but
// no HEC reply, so the credential is not proven and the fix names the url.
func TestCheck_NotHEC(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("<html>welcome</html>"))
	}))
	defer srv.Close()
	c := DefaultConfig()
	c.URL = srv.URL
	c.TokenFile = tokenFile(t, "00000000-0000-0000-0000-000000000000")
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	rs := newSink(t, c).Check(context.Background())
	if len(rs) != 3 || !rs[0].OK || rs[2].OK || !strings.Contains(rs[2].Fix, "url") {
		t.Fatalf("web server at the URL:\n%s", resultsText(rs))
	}
}
