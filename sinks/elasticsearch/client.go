package elasticsearch

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/elastic/elastic-transport-go/v8/elastictransport"

	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/tlsconf"
)

// newTransport builds go-elasticsearch's low-level transport over an
// http.Transport with the resolved TLS configuration. Its own retries are
// off (one attempt per Send: the Deliverer retries) and so is its
// compression (the sink gzips bodies ahead, in PrepareRaw). With several
// URLs it sends each request to the next node, and a node that failed is
// skipped for a while, so a retried batch goes to another node.
// insecure_skip_verify is allowed but logged as a warning every time the
// sink is built.
func newTransport(r Resolved, version string, log *slog.Logger) (*elastictransport.Client, *http.Transport, error) {
	c := r.Config
	if c.InsecureSkipVerify {
		log.Warn("TLS certificate verification is DISABLED for this elasticsearch sink (insecure_skip_verify: true); "+
			"anyone on the network path can read and alter the documents and capture the credential",
			"urls", strings.Join(c.URLs, ","))
	}
	hc := tlsconf.HTTPTransport(r.tls)
	urls := make([]*url.URL, len(c.URLs))
	for i, s := range c.URLs {
		u, err := url.Parse(strings.TrimRight(s, "/"))
		if err != nil { // Validate parsed it already
			return nil, nil, fmt.Errorf("parse urls[%d]: %w", i, err)
		}
		urls[i] = u
	}
	opts := []elastictransport.Option{
		elastictransport.WithURLs(urls...),
		elastictransport.WithTransport(hc),
		elastictransport.WithUserAgent("ghsec-exporter/" + version),
		elastictransport.WithDisableRetry(),
	}
	switch {
	case r.apiKey != "":
		opts = append(opts, elastictransport.WithAPIKey(r.apiKey))
	case c.Username != "":
		opts = append(opts, elastictransport.WithBasicAuth(c.Username, r.password))
	}
	tp, err := elastictransport.NewClient(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("build elasticsearch transport: %w", err)
	}
	return tp, hc, nil
}
