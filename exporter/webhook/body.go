package webhook

import (
	"bytes"
	"io"
	"net/http"
	"time"
)

// smallBody is how much of a body is read before it may reserve room in
// the body budget; a body no longer than this (alert deliveries are a few
// tens of KB) never reserves any: it is read whole, checked, and decoded
// under one of the Concurrency slots. An unauthenticated sender can thus
// hold at most this much memory per connection, and only for as long as
// it keeps minBodyRate, and no share of what signed deliveries wait for.
const smallBody = 64 << 10

// A body must arrive at minBodyRate (bytes a second, averaged from the
// handler's start) once defaultBodyGrace has passed, and within
// readTimeout in all: one dribbling a byte a second, or a Content-Length it
// never sends, is cut off with 408 after the grace instead of holding its
// connection, and its reservation, for the whole read timeout. GitHub
// itself gives up on a delivery after 10 s, so a body slower than this
// would be marked failed anyway.
const (
	defaultBodyGrace = 5 * time.Second
	minBodyRate      = 256 << 10
)

// readBody reads r's body (at most MaxBody) at the pace above and returns
// it with the budget it reserved, to release once the delivery is answered.
// A body of at most smallBody bytes reserves nothing; a longer one reserves
// its Content-Length (the cap when it sent none) once its first smallBody
// bytes have arrived. The error is errBudget's when no room was found, a
// *http.MaxBytesError over the cap, os.ErrDeadlineExceeded for a body too
// slow, or the read's.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) (body []byte, reserved int64, err error) {
	rd := &pacedReader{r: http.MaxBytesReader(w, r.Body, MaxBody), rc: http.NewResponseController(w), start: time.Now(), grace: h.opts.bodyGrace}
	rd.pace()
	defer func() {
		if err == nil {
			rd.done()
		} // else the passed deadline also ends the server's attempt to drain the rest
	}()
	cl := r.ContentLength
	if cl >= 0 && cl <= smallBody {
		body = make([]byte, cl)
		_, err = io.ReadFull(rd, body)
		return body, 0, err
	}
	// Grown as bytes arrive: what a sender that stalls holds is what it sent.
	prefix, err := io.ReadAll(io.LimitReader(rd, smallBody))
	if err != nil || (cl < 0 && len(prefix) < smallBody) {
		return prefix, 0, err
	}
	waitFrom := time.Now()
	if reserved, err = h.budget.reserve(r.Context(), cl); err != nil {
		return nil, 0, err
	}
	rd.paused(time.Since(waitFrom)) // not the sender's delay
	if cl >= 0 {
		body = make([]byte, cl)
		copy(body, prefix)
		_, err = io.ReadFull(rd, body[len(prefix):])
		return body, reserved, err
	}
	buf := bytes.NewBuffer(prefix)
	_, err = buf.ReadFrom(rd)
	return buf.Bytes(), reserved, err
}

// pacedReader moves the connection's read deadline as a body arrives: it is
// start + grace + received/minBodyRate, at most start + readTimeout.
type pacedReader struct {
	r     io.Reader
	rc    *http.ResponseController
	start time.Time
	grace time.Duration
	n     int64
	set   time.Time // the deadline last set
	off   bool      // the writer cannot set deadlines (a test recorder)
}

func (p *pacedReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if n > 0 {
		p.pace()
	}
	return n, err
}

func (p *pacedReader) pace() {
	if p.off {
		return
	}
	d := p.start.Add(p.grace + time.Duration(float64(p.n)/minBodyRate*float64(time.Second)))
	if limit := p.start.Add(readTimeout); d.After(limit) {
		d = limit
	}
	// a deadline per read of a large body would be a timer reset per 4 KB
	if !p.set.IsZero() && d.Sub(p.set) < 100*time.Millisecond {
		return
	}
	if err := p.rc.SetReadDeadline(d); err != nil {
		p.off = true
		return
	}
	p.set = d
}

// paused moves the pace on by d, a wait that was not the sender's, and
// sets the deadline that follows.
func (p *pacedReader) paused(d time.Duration) {
	p.grace += d
	p.set = time.Time{}
	p.pace()
}

// done gives the connection back its whole-request deadline: a pace
// deadline passing while the delivery commits would cancel its request.
func (p *pacedReader) done() {
	if !p.off {
		_ = p.rc.SetReadDeadline(p.start.Add(readTimeout))
	}
}
