package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server timeouts: a slow client cannot hold a connection (or one of the
// Handler's slots) for long, and the 2xx still goes out well inside
// GitHub's 10 s.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 64 << 10
)

// Server is the webhook listener.
type Server struct {
	ln  net.Listener
	srv *http.Server
	tls bool
}

// Listen binds addr and serves h on path only. With cert (read by the
// config's resolve step) it serves TLS.
func Listen(addr, path string, h http.Handler, cert *tls.Certificate) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("webhook listener on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle(path, h)
	s := &Server{ln: ln, srv: &http.Server{
		Handler: mux, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeaderBytes,
	}}
	if cert != nil {
		s.tls = true
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
	}
	return s, nil
}

// Addr is the bound address (useful with port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until ctx ends, then lets the deliveries in flight finish
// their commit and answer (up to 10 s) before returning.
func (s *Server) Serve(ctx context.Context) error {
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.srv.Shutdown(sctx)
	}()
	var err error
	if s.tls {
		err = s.srv.ServeTLS(s.ln, "", "") // the certificate is in TLSConfig
	} else {
		err = s.srv.Serve(s.ln)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("webhook listener on %s: %w", s.Addr(), err)
}
