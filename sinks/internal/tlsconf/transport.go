package tlsconf

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// HTTPTransport is the transport of every HTTP sink (splunk_hec, otlp,
// elasticsearch, azure_monitor_logs) over cfg, the resolved TLS
// configuration: the proxy from the environment, bounded dial and
// handshake times, a few idle connections kept for the next batch, and
// HTTP/2 when the server offers it. Its own compression is off: the sinks
// gzip their bodies themselves, and their replies are small.
func HTTPTransport(cfg *tls.Config) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       cfg,
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConns:          4,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		ForceAttemptHTTP2:     true,
	}
}
