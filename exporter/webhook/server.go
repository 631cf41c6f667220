package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// Server timeouts: a slow client cannot hold a connection for long, and the
// 2xx still goes out well inside GitHub's 10 s.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 64 << 10
	// shutdownTimeout bounds how long a stopping listener waits for the
	// deliveries in flight: the write timeout, which already bounds one
	// delivery from its headers to its answer.
	shutdownTimeout = writeTimeout
)

// Server is the webhook listener.
type Server struct {
	ln       net.Listener
	srv      *http.Server
	tls      bool
	log      *slog.Logger
	inFlight atomic.Int64 // requests being handled
}

// Listen binds addr and serves h on path only. With cert (read by the
// config's resolve step) it serves TLS. log (nil: discard) gets the
// listener's stop.
func Listen(addr, path string, h http.Handler, cert *tls.Certificate, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("webhook listener on %s: %w", addr, err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{ln: ln, log: log}
	mux := http.NewServeMux()
	mux.Handle(path, h)
	s.srv = &http.Server{
		Handler: s.counted(mux), ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeaderBytes,
	}
	if cert != nil {
		s.tls = true
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
	}
	return s, nil
}

func (s *Server) counted(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		h.ServeHTTP(w, r)
	})
}

// Addr is the bound address (useful with port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until ctx ends, then stops accepting and returns only once
// every delivery already accepted has been read, committed and answered
// (at most shutdownTimeout; those still running then are cut off and their
// senders see a failed delivery): the caller closes the state file next,
// which must not happen under a running commit.
func (s *Server) Serve(ctx context.Context) error {
	served := make(chan error, 1)
	go func() {
		if s.tls {
			served <- s.srv.ServeTLS(s.ln, "", "") // the certificate is in TLSConfig
		} else {
			served <- s.srv.Serve(s.ln)
		}
	}()
	select {
	case err := <-served:
		return fmt.Errorf("webhook listener on %s: %w", s.Addr(), err)
	case <-ctx.Done():
	}
	s.log.Info("webhook listener stopping: answering the deliveries in flight", "listen", s.Addr(), "in_flight", s.inFlight.Load())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	if err != nil {
		err = errors.Join(err, s.srv.Close())
		s.log.Warn("webhook listener stopped with deliveries unanswered; GitHub marks them failed and the redelivery job asks for them again",
			"listen", s.Addr(), "in_flight", s.inFlight.Load(), "waited", shutdownTimeout, "err", err)
	}
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("webhook listener on %s: %w", s.Addr(), serr)
	}
	return nil
}
