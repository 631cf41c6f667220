package syslog

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// relpCloseWait bounds the close handshake in Close: every batch was
// acknowledged already, so a receiver that does not answer loses nothing.
const relpCloseWait = 2 * time.Second

// errRELPServerClose is the receiver's serverclose hint: it is shutting the
// session down, and what it has not acknowledged it did not take.
var errRELPServerClose = errors.New("receiver closed the RELP session (serverclose)")

// relpOfferError is a receiver whose offers rule the session out (no
// protocol version, no syslog command): a configuration problem on its side
// that retrying soon does not fix.
type relpOfferError struct{ err error }

func (e *relpOfferError) Error() string { return "unusable RELP session: " + e.err.Error() }
func (e *relpOfferError) Unwrap() error { return e.err }

// relpClient is one RELP session to the receiver, opened on demand and
// dropped on any error (the next send opens a new one). Messages are sent as
// syslog commands with up to window of them unacknowledged at a time. It is
// not safe for concurrent use.
type relpClient struct {
	// sock is the connection, dialled, probed and dropped as a plain
	// stream's; its timeout bounds a batch: sending and every acknowledgement.
	sock        conn
	dialTimeout time.Duration
	window      int
	offers      []byte

	br      *bufio.Reader
	bw      *bufio.Writer
	txnr    uint32 // the session's last transaction number
	pending []relpPending
	head    []byte
}

// relpPending is a sent command waiting for its rsp.
type relpPending struct {
	txnr uint32
	msg  int
}

// relpNack is a message the receiver answered with a code other than 200.
type relpNack struct {
	msg  int
	code int
	text string
}

func newRELPClient(cfg Config, dial func(context.Context) (net.Conn, error), version string) *relpClient {
	if version == "" {
		version = "dev"
	}
	return &relpClient{
		sock:   conn{network: NetworkRELP, address: cfg.Address, dial: dial, timeout: time.Duration(cfg.WriteTimeout)},
		window: cfg.RELPWindow, dialTimeout: time.Duration(cfg.DialTimeout), offers: relpOpenOffers(version),
	}
}

// ensure returns with an open session: it drops one the receiver has closed
// (a serverclose hint or EOF waiting on the socket) and opens a new one.
// dialed reports whether it did. Errors: connecting, or the open handshake
// (*relpOfferError when the receiver's offers rule the session out).
func (c *relpClient) ensure(ctx context.Context) (dialed bool, err error) {
	if dialed, err = c.sock.redial(ctx, c.peerGone); !dialed {
		return false, err
	}
	c.txnr = 0
	c.br, c.bw = bufio.NewReaderSize(c.sock.c, 4096), bufio.NewWriterSize(c.sock.c, 64<<10)
	if err := c.open(ctx); err != nil {
		c.drop()
		return false, err
	}
	return true, nil
}

// open runs the open handshake within the dial timeout.
func (c *relpClient) open(ctx context.Context) error {
	stop := c.deadline(ctx, c.dialTimeout)
	defer stop()
	c.txnr = nextTxnr(c.txnr)
	if _, err := c.bw.Write(appendRELPFrame(c.head[:0], c.txnr, relpOpen, c.offers)); err != nil {
		return fmt.Errorf("open RELP session to %s: %w", c.sock.address, ctxErr(ctx, err))
	}
	if err := c.bw.Flush(); err != nil {
		return fmt.Errorf("open RELP session to %s: %w", c.sock.address, ctxErr(ctx, err))
	}
	f, err := readRELPFrame(c.br, relpMaxRsp)
	if err != nil {
		return fmt.Errorf("open RELP session to %s: read response: %w", c.sock.address, ctxErr(ctx, err))
	}
	if f.txnr == 0 && f.cmd == relpServerClose {
		return fmt.Errorf("open RELP session to %s: %w", c.sock.address, errRELPServerClose)
	}
	if f.txnr != c.txnr || f.cmd != relpRsp {
		return fmt.Errorf("open RELP session to %s: %w: got %q frame %d, want rsp %d", c.sock.address, errRELPFrame, f.cmd, f.txnr, c.txnr)
	}
	rsp, err := parseRELPResponse(f.data)
	if err != nil {
		return fmt.Errorf("open RELP session to %s: %w", c.sock.address, err)
	}
	if rsp.code != relpOK {
		return fmt.Errorf("open RELP session to %s: refused with %d %s", c.sock.address, rsp.code, rsp.text)
	}
	if err := checkRELPOffers(parseRELPOffers(rsp.data)); err != nil {
		return &relpOfferError{fmt.Errorf("%s: %w", c.sock.address, err)}
	}
	return nil
}

// send transmits msgs as one syslog command each and waits until every one
// is answered. nil error means every message got a response: 200 for all but
// those in nacks. An error means the session broke (and was dropped) before
// every message was answered; the caller must resend the batch.
func (c *relpClient) send(ctx context.Context, msgs [][]byte) (nacks []relpNack, err error) {
	stop := c.deadline(ctx, c.sock.timeout)
	defer stop()
	c.pending = c.pending[:0]
	acked := 0
	fail := func(err error) ([]relpNack, error) {
		c.drop()
		return nil, fmt.Errorf("send %d messages over relp to %s: %d acknowledged: %w", len(msgs), c.sock.address, acked, ctxErr(ctx, err))
	}
	for i, m := range msgs {
		for len(c.pending) >= c.window {
			if err := c.bw.Flush(); err != nil {
				return fail(err)
			}
			// Block for one answer, then take every answer already read:
			// refilling the window in bulk keeps writes large.
			if err := c.readResponse(&nacks); err != nil {
				return fail(err)
			}
			acked++
			for c.br.Buffered() > 0 && len(c.pending) > 0 {
				if err := c.readResponse(&nacks); err != nil {
					return fail(err)
				}
				acked++
			}
		}
		c.txnr = nextTxnr(c.txnr)
		c.head = appendRELPHeader(c.head[:0], c.txnr, relpSyslog, len(m))
		_, _ = c.bw.Write(c.head)
		_, _ = c.bw.Write(m)
		if err := c.bw.WriteByte('\n'); err != nil { // a bufio.Writer keeps its first error
			return fail(err)
		}
		c.pending = append(c.pending, relpPending{c.txnr, i})
	}
	if err := c.bw.Flush(); err != nil {
		return fail(err)
	}
	for len(c.pending) > 0 {
		if err := c.readResponse(&nacks); err != nil {
			return fail(err)
		}
		acked++
	}
	return nacks, nil
}

// readResponse reads one frame and settles the pending command it answers.
func (c *relpClient) readResponse(nacks *[]relpNack) error {
	for {
		f, err := readRELPFrame(c.br, relpMaxRsp)
		if err != nil {
			return fmt.Errorf("read response: %w", err)
		}
		if f.txnr == 0 {
			if f.cmd == relpServerClose {
				return errRELPServerClose
			}
			continue // a hint this client does not know: hints need no answer
		}
		if f.cmd != relpRsp {
			return fmt.Errorf("%w: server sent command %q", errRELPFrame, f.cmd)
		}
		j := 0
		for j < len(c.pending) && c.pending[j].txnr != f.txnr {
			j++
		}
		if j == len(c.pending) {
			return fmt.Errorf("%w: response to transaction %d, which is not pending", errRELPFrame, f.txnr)
		}
		rsp, err := parseRELPResponse(f.data)
		if err != nil {
			return err
		}
		if rsp.code != relpOK {
			*nacks = append(*nacks, relpNack{msg: c.pending[j].msg, code: rsp.code, text: rsp.text})
		}
		c.pending = append(c.pending[:j], c.pending[j+1:]...)
		return nil
	}
}

// peerGone looks, without blocking, at what the receiver sent between
// batches: nothing (alive), or a serverclose hint, EOF or a reset (gone).
func (c *relpClient) peerGone() error {
	if err := c.sock.c.SetReadDeadline(time.Now().Add(probeWait)); err != nil {
		return err
	}
	_, err := c.br.Peek(1)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return c.sock.c.SetReadDeadline(time.Time{})
	}
	if err != nil {
		return fmt.Errorf("receiver %s closed the connection: %w", c.sock.address, err)
	}
	// Something arrived unasked: read it whole; only serverclose is expected.
	if err := c.sock.c.SetReadDeadline(time.Now().Add(c.sock.timeout)); err != nil {
		return err
	}
	f, err := readRELPFrame(c.br, relpMaxRsp)
	if err == nil && f.txnr == 0 && f.cmd == relpServerClose {
		err = errRELPServerClose
	} else if err == nil {
		err = fmt.Errorf("%w: unexpected %q frame %d between batches", errRELPFrame, f.cmd, f.txnr)
	}
	return err
}

// deadline bounds the session's reads and writes by d and by ctx (whose
// cancellation also interrupts a blocked read or write); the returned func
// lifts both.
func (c *relpClient) deadline(ctx context.Context, d time.Duration) (stop func()) {
	nc := c.sock.c
	lift, err := bound(ctx, d, nc.SetDeadline)
	if err != nil {
		lift = func() bool { return false } // the I/O that follows fails and drops the session
	}
	return func() {
		lift()
		_ = nc.SetDeadline(time.Time{})
	}
}

// close ends the session politely: a close command, then its rsp, bounded
// by relpCloseWait. Errors are of no consequence to delivered records.
func (c *relpClient) close() error {
	if c.sock.c == nil {
		return nil
	}
	defer c.drop()
	ctx, cancel := context.WithTimeout(context.Background(), relpCloseWait)
	defer cancel()
	stop := c.deadline(ctx, relpCloseWait)
	defer stop()
	c.txnr = nextTxnr(c.txnr)
	if _, err := c.bw.Write(appendRELPFrame(c.head[:0], c.txnr, relpClose, nil)); err != nil {
		return fmt.Errorf("close RELP session: %w", err)
	}
	if err := c.bw.Flush(); err != nil {
		return fmt.Errorf("close RELP session: %w", err)
	}
	for {
		f, err := readRELPFrame(c.br, relpMaxRsp)
		if err != nil {
			return fmt.Errorf("close RELP session: %w", err)
		}
		if f.txnr == c.txnr && f.cmd == relpRsp {
			return nil
		}
	}
}

// drop closes the connection; the next send opens a new session.
func (c *relpClient) drop() {
	c.sock.drop()
	c.br, c.bw = nil, nil
}
