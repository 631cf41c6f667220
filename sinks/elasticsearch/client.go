package elasticsearch

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/elastic/elastic-transport-go/v8/elastictransport"
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
	hc := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       r.tls,
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConns:          4,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		// bodies are gzipped by us; replies are small (filter_path)
		DisableCompression: true,
		ForceAttemptHTTP2:  true,
	}
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
