package syslog

import (
	"context"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// The online check against rsyslog: TLS with the right CA connects and
// verifies, without it the certificate fails, a closed port is unreachable;
// no message is written.
func TestCheck_Rsyslog(t *testing.T) {
	r := receivers.StartRsyslog(t)
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Network, cfg.Address, cfg.CAFile = NetworkTLS, r.TLSAddr, r.CAFile
	rs := newTestSink(t, cfg).Check(ctx)
	if len(rs) != 2 || !rs[0].OK || !rs[1].OK {
		t.Fatalf("tls with ca_file: %+v", rs)
	}
	cfg.CAFile = ""
	// rsyslog's TLS listener, on a loaded machine, now and then closes a
	// handshake before sending its certificate (EOF): that is the check
	// reporting "not reachable" truthfully, but not the case under test, so
	// it is tried again, a few times at most
	for try := 0; try < 3; try++ {
		if rs = newTestSink(t, cfg).Check(ctx); len(rs) != 1 || !strings.HasSuffix(rs[0].Detail, "EOF") {
			break
		}
	}
	if len(rs) != 2 || rs[1].OK || rs[1].Fix == "" {
		t.Fatalf("tls without ca_file: %+v", rs)
	}
	cfg = DefaultConfig()
	cfg.Network, cfg.Address = NetworkTCP, r.TCPAddr
	if rs := newTestSink(t, cfg).Check(ctx); len(rs) != 1 || !rs[0].OK {
		t.Fatalf("tcp: %+v", rs)
	}
	r.Stop()
	if rs := newTestSink(t, cfg).Check(ctx); len(rs) != 1 || rs[0].OK || rs[0].Fix == "" {
		t.Fatalf("tcp to a stopped receiver: %+v", rs)
	}
	if msgs := r.Messages(t); len(msgs) != 0 {
		t.Fatalf("the check wrote %d messages", len(msgs))
	}
}
