package syslog

import (
	"context"
	"crypto/tls"
	"fmt"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

var _ exporter.Checker = (*Sink)(nil)

// Check dials the receiver on a connection of its own (TLS handshake
// included) and closes it without writing a message. Over UDP nothing
// answers a dial, so reachability cannot be proven.
func (s *Sink) Check(ctx context.Context) []exporter.CheckResult {
	c := s.conn
	reach := exporter.CheckResult{Check: "reachable"}
	if !c.stream() {
		reach.OK, reach.Detail = true, "udp to "+c.address+": nothing answers a datagram, so delivery cannot be proven"
		return []exporter.CheckResult{reach}
	}
	nc, err := c.dial(ctx)
	if err != nil {
		if exporter.IsCertError(err) {
			reach.OK, reach.Detail = true, c.address+" answers"
			return []exporter.CheckResult{reach, {Check: "tls verified", Detail: err.Error(),
				Fix: "trust the receiver's certificate: set ca_file to its CA bundle (PEM), or set server_name to the name it carries"}}
		}
		reach.Detail = fmt.Sprintf("connect to %s over %s: %v", c.address, c.network, err)
		reach.Fix = "check address and that the receiver listens on it over " + c.network
		return []exporter.CheckResult{reach}
	}
	_, isTLS := nc.(*tls.Conn)
	_ = nc.Close()
	reach.OK, reach.Detail = true, fmt.Sprintf("connected to %s over %s", c.address, c.network)
	out := []exporter.CheckResult{reach}
	if isTLS {
		out = append(out, exporter.CheckResult{Check: "tls verified", OK: true, Detail: "certificate verified"})
	}
	return out
}
