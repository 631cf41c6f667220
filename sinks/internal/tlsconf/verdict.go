package tlsconf

import (
	"crypto/tls"
	"net/http"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Verdict is the "tls verified" result of a sink's online check. It
// passes: a connection that got this far verified the certificate, unless
// cfg skips verification or the destination is not https at all, which the
// detail says (noTLS: what travels in clear text, e.g. "no TLS: url is
// http:// (the token travels in clear text)").
func Verdict(https bool, cfg *tls.Config, noTLS string) exporter.CheckResult {
	r := exporter.CheckResult{Check: "tls verified", OK: true}
	switch {
	case !https:
		r.Detail = noTLS
	case cfg != nil && cfg.InsecureSkipVerify:
		r.Detail = "NOT verified: insecure_skip_verify is true"
	default:
		r.Detail = "certificate verified"
	}
	return r
}

// Unreached is the verdict of an online check whose first request failed
// with err: a certificate the check could not verify means the
// destination answered ("reachable" passes, "tls verified" fails with
// certFix); any other failure fails "reachable" with fix.
func Unreached(err error, certFix, fix string) []exporter.CheckResult {
	if exporter.IsCertError(err) {
		return []exporter.CheckResult{{Check: "reachable", OK: true, Detail: "answers, but " + err.Error()},
			{Check: "tls verified", Detail: err.Error(), Fix: certFix}}
	}
	return []exporter.CheckResult{{Check: "reachable", Detail: err.Error(), Fix: fix}}
}

// Of is the TLS configuration of c's transport; nil when it has none.
func Of(c *http.Client) *tls.Config {
	if tr, ok := c.Transport.(*http.Transport); ok {
		return tr.TLSClientConfig
	}
	return nil
}
