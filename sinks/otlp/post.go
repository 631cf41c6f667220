package otlp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/batching"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/tlsconf"
)

// maxReplyBytes bounds how much of a reply is read; OTLP replies are tiny.
const maxReplyBytes = 64 << 10

// newHTTPClient builds the transport over the resolved TLS configuration;
// insecure_skip_verify is allowed but logged as a warning every time the
// sink is built.
func newHTTPClient(r Resolved, log *slog.Logger) *http.Client {
	if r.InsecureSkipVerify {
		log.Warn("TLS certificate verification is DISABLED for this OTLP sink (insecure_skip_verify: true); "+
			"anyone on the network path can read and alter the records and capture the token",
			"url", r.url())
	}
	return &http.Client{Transport: tlsconf.HTTPTransport(r.tls)}
}

// body marshals the items at idxs into one request, gzipped when
// compression is on.
func (s *Sink) body(items []item, idxs []int) ([]byte, error) {
	pb, err := s.enc.request(items, idxs)
	if err != nil || !s.compress {
		return pb, err
	}
	return s.gzip(pb)
}

// gzip compresses a request body.
func (s *Sink) gzip(pb []byte) ([]byte, error) {
	b, err := batching.Gzip(len(pb), func(w io.Writer) error {
		_, err := w.Write(pb)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("gzip OTLP request: %w", err)
	}
	return b, nil
}

// post sends one request body and classifies the reply; the error is a
// transport failure (no reply at all).
func (s *Sink) post(ctx context.Context, body []byte) (verdict, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, reply, err := s.do(ctx, body)
	if err != nil {
		return verdict{}, err
	}
	return classify(resp.StatusCode, resp.Header, reply, s.now()), nil
}

// do posts body to the logs URL with the sink's headers and returns the
// response with at most maxReplyBytes of its body, read and closed.
func (s *Sink) do(ctx context.Context, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header = s.header.Clone()
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if err != nil {
		return nil, nil, fmt.Errorf("read OTLP reply: %w", err)
	}
	// drain what is left so the connection can be reused
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp, reply, nil
}
