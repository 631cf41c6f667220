package splunkhec

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/tlsconf"
)

// HEC endpoints below the base URL.
const (
	pathEvent  = "/services/collector/event"
	pathAck    = "/services/collector/ack"
	pathHealth = "/services/collector/health"
)

// newHTTPClient builds the transport over the resolved TLS configuration;
// insecure_skip_verify is allowed but logged as a warning every time the
// sink is built.
func newHTTPClient(r Resolved, log *slog.Logger) *http.Client {
	c := r.Config
	if c.InsecureSkipVerify {
		log.Warn("TLS certificate verification is DISABLED for this Splunk HEC sink (insecure_skip_verify: true); "+
			"anyone on the network path can read and alter the events and capture the HEC token",
			"url", c.URL)
	}
	return &http.Client{Transport: tlsconf.HTTPTransport(r.tls)}
}

// healthCheck probes HEC's health endpoint once. It never fails start-up:
// an unreachable or unhealthy HEC is logged and delivery retries later. A
// probe cut short by ctx (shutdown) logs nothing.
func (s *Sink) healthCheck(ctx context.Context) {
	probeCtx, cancel := context.WithTimeout(ctx, s.probeWait)
	defer cancel()
	req, err := http.NewRequestWithContext(probeCtx, http.MethodGet, s.base+pathHealth, nil)
	if err != nil {
		s.log.Warn("splunk HEC health check not possible", "err", err)
		return
	}
	// Splunk ignores the token here; some HEC peers require it.
	req.Header.Set("Authorization", "Splunk "+s.token)
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("splunk HEC health check failed; delivery will retry", "url", s.base+pathHealth, "err", err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	v := classify(resp.StatusCode, resp.Header, body, time.Now())
	if v.outcome != splunk.Accepted {
		s.log.Warn("splunk HEC is not healthy; delivery will retry", "url", s.base+pathHealth, "err", v.err())
		return
	}
	s.log.Info("splunk HEC is healthy", "url", s.base)
}
