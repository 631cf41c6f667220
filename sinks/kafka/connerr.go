package kafka

import (
	"net"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// connErrs keeps the client's latest failure to connect to a broker (dial,
// TLS handshake, ApiVersions, SASL). A Send that runs out of time while
// the client cannot connect fails with only the deadline; the connection's
// own error says why, and whether an operator must act (a certificate, a
// credential).
type connErrs struct {
	mu  sync.Mutex
	err error
	at  time.Time
}

var _ kgo.HookBrokerConnect = (*connErrs)(nil)

// OnBrokerConnect implements kgo.HookBrokerConnect.
func (c *connErrs) OnBrokerConnect(_ kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	if err == nil {
		return
	}
	c.mu.Lock()
	c.err, c.at = err, time.Now()
	c.mu.Unlock()
}

// since returns the latest connection failure at or after t, nil if none.
func (c *connErrs) since(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil || c.at.Before(t) {
		return nil
	}
	return c.err
}
