package syslog

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// probeWait is how long the liveness probe waits for the peer's FIN or RST.
// A read with an already expired deadline returns without looking at the
// socket, so the probe needs a short real wait.
const probeWait = time.Millisecond

// conn is the connection to the receiver, redialled on demand (telegraf
// style: write dials when there is no connection and drops the connection
// on any write error). It is not safe for concurrent use.
type conn struct {
	network string // udp, tcp, tls or relp
	address string
	dial    func(ctx context.Context) (net.Conn, error)
	timeout time.Duration // write timeout per batch

	c     net.Conn
	probe [512]byte
}

func newConn(cfg Config, tlsCfg *tls.Config) *conn {
	d := &net.Dialer{Timeout: time.Duration(cfg.DialTimeout)}
	c := &conn{network: cfg.Network, address: cfg.Address, timeout: time.Duration(cfg.WriteTimeout)}
	network := cfg.Network
	if network == NetworkRELP {
		network = NetworkTCP // the relp client dials through this conn
	}
	switch {
	case cfg.useTLS():
		td := &tls.Dialer{NetDialer: d, Config: tlsCfg}
		c.dial = func(ctx context.Context) (net.Conn, error) { return td.DialContext(ctx, "tcp", cfg.Address) }
	default:
		c.dial = func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, network, cfg.Address) }
	}
	return c
}

func (c *conn) stream() bool { return c.network != NetworkUDP }

// ensure returns with a connection that was alive a moment ago: it dials
// when there is none and, on a stream, redials when the peer has closed the
// old one (a restarted receiver), so the next batch is not written into a
// dead socket. dialed reports whether a new connection was made.
func (c *conn) ensure(ctx context.Context) (dialed bool, err error) {
	if !c.stream() {
		return c.redial(ctx, nil)
	}
	return c.redial(ctx, c.peerGone)
}

// redial keeps the connection while probe (nil: none, as over udp) finds the
// peer still there, drops it otherwise, and dials when there is none; a
// plain stream and a RELP session, each with its own probe, share it.
func (c *conn) redial(ctx context.Context, probe func() error) (dialed bool, err error) {
	if c.c != nil && probe != nil {
		if err := probe(); err != nil {
			c.drop()
		}
	}
	if c.c != nil {
		return false, nil
	}
	nc, err := c.dial(ctx)
	if err != nil {
		return false, fmt.Errorf("connect to %s over %s: %w", c.address, c.network, err)
	}
	c.c = nc
	return true, nil
}

// peerGone probes a stream connection without blocking: a receiver never
// sends on a syslog connection, so EOF or an error means it closed (or reset)
// the connection, while a timeout means it is still there. Bytes it did send
// (a TLS session ticket, handled inside tls.Conn) are discarded.
func (c *conn) peerGone() error {
	if err := c.c.SetReadDeadline(time.Now().Add(probeWait)); err != nil {
		return err
	}
	_, err := c.c.Read(c.probe[:])
	_ = c.c.SetReadDeadline(time.Time{})
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		return nil
	}
	return fmt.Errorf("receiver %s closed the connection: %w", c.address, err)
}

// write sends the framed messages; on a stream it is one buffer (frames
// concatenated), on udp one datagram per element of dgrams. Any error drops
// the connection; the caller reports the batch as not delivered.
func (c *conn) write(ctx context.Context, data []byte, dgrams [][]byte) error {
	stop, err := bound(ctx, c.timeout, c.c.SetWriteDeadline)
	if err != nil {
		c.drop()
		return fmt.Errorf("set write deadline: %w", err)
	}
	defer stop()
	if c.stream() {
		if _, err := c.c.Write(data); err != nil {
			c.drop()
			return fmt.Errorf("write %d bytes to %s: %w", len(data), c.address, ctxErr(ctx, err))
		}
		// The write only reached the kernel; a receiver that died under it
		// shows up as a reset right away on a nearby peer. Worth one probe:
		// re-sending is acceptable, losing is not.
		if err := c.peerGone(); err != nil {
			c.drop()
			return err
		}
		return nil
	}
	for i, d := range dgrams {
		if _, err := c.c.Write(d); err != nil {
			c.drop()
			return fmt.Errorf("send datagram %d of %d to %s: %w", i+1, len(dgrams), c.address, ctxErr(ctx, err))
		}
	}
	return nil
}

// bound sets a deadline through set (a connection's SetDeadline or
// SetWriteDeadline) d from now, or at ctx's deadline when that comes first,
// and until the returned stop is called makes ctx's cancellation expire it
// at once: a cancelled context interrupts I/O blocked on a stalled receiver.
func bound(ctx context.Context, d time.Duration, set func(time.Time) error) (stop func() bool, err error) {
	t := time.Now().Add(d)
	if cd, ok := ctx.Deadline(); ok && cd.Before(t) {
		t = cd
	}
	if err := set(t); err != nil {
		return nil, err
	}
	return context.AfterFunc(ctx, func() { _ = set(time.Unix(1, 0)) }), nil
}

// ctxErr attributes a write failure to the context when the context ended.
// The socket deadline is set to the context's deadline, so the write can
// time out an instant before ctx.Err() reports it: a deadline error at or
// past the context's deadline counts as the context's too.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) && errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return err
}

// drop closes the connection; the next write dials again.
func (c *conn) drop() {
	if c.c != nil {
		_ = c.c.Close()
		c.c = nil
	}
}

// appendOctetCounted frames msg per RFC 6587 3.4.1 / RFC 5425: "LEN SP MSG".
func appendOctetCounted(dst, msg []byte) []byte {
	dst = strconv.AppendInt(dst, int64(len(msg)), 10)
	dst = append(dst, ' ')
	return append(dst, msg...)
}

// appendLF frames msg per RFC 6587 3.4.2: MSG LF. The formatter never puts a
// raw LF inside a message.
func appendLF(dst, msg []byte) []byte {
	dst = append(dst, msg...)
	return append(dst, '\n')
}
