package splunkhec

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/batching"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
)

// maxReplyBytes bounds how much of a reply is read; HEC replies are tiny.
const maxReplyBytes = 64 << 10

// body concatenates the envelopes at idxs, gzipped when compress is on.
func (s *Sink) body(idxs []int, envs [][]byte) ([]byte, error) {
	n := 0
	for _, i := range idxs {
		n += len(envs[i])
	}
	b, err := batching.Body(n, s.compress, func(w io.Writer) error {
		for _, i := range idxs {
			if _, err := w.Write(envs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("gzip HEC body: %w", err)
	}
	return b, nil
}

// post sends one request to the event endpoint and classifies the reply.
// The error is a transport failure (no reply at all), or bodyErr.
func (s *Sink) post(ctx context.Context, body []byte, bodyErr error) (verdict, error) {
	if bodyErr != nil {
		return verdict{}, bodyErr
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+pathEvent, bytes.NewReader(body))
	if err != nil {
		return verdict{}, err
	}
	s.headers(req)
	if s.compress {
		req.Header.Set("Content-Encoding", "gzip")
	}
	v, _, err := s.do(req)
	if err == nil && v.outcome == splunk.Accepted && (v.reply.Code == nil || *v.reply.Code != 0) {
		// A 2xx that is not HEC's {"code":0} (a web server or proxy at the
		// URL): counting it as accepted would lose every record.
		v.outcome, v.notHEC = splunk.Paused, true
	}
	return v, err
}

// headers sets what every HEC request carries.
func (s *Sink) headers(req *http.Request) {
	req.Header.Set("Authorization", "Splunk "+s.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	if s.ack != nil {
		req.Header.Set("X-Splunk-Request-Channel", s.ack.channel)
	}
}

// do runs req and classifies the reply, which it also returns.
func (s *Sink) do(req *http.Request) (verdict, []byte, error) {
	resp, err := s.client.Do(req)
	if err != nil {
		return verdict{}, nil, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if err != nil {
		return verdict{}, nil, fmt.Errorf("read HEC reply: %w", err)
	}
	// drain what is left so the connection can be reused
	_, _ = io.Copy(io.Discard, resp.Body)
	return classify(resp.StatusCode, resp.Header, reply, s.now()), reply, nil
}
