package splunkhec

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
)

// acker holds the indexer acknowledgement settings of a sink.
type acker struct {
	channel  string
	interval time.Duration
	timeout  time.Duration
}

// channelKey is where a generated channel is kept in the sink's bucket.
var channelKey = []byte("hec_ack_channel")

// ackChannel returns the configured channel, else the one kept in the state
// file, else a new random GUID (kept when the sink has a store). A stable
// channel spares HEC one idle channel per restart; correctness does not
// depend on it, since a restarted exporter re-sends unacknowledged batches.
func ackChannel(configured string, deps exporter.SinkDeps) (string, error) {
	if configured != "" {
		return configured, nil
	}
	if deps.Store == nil || deps.Name == "" {
		return newGUID(), nil
	}
	var ch string
	err := deps.Store.SinkUpdate(deps.Name, func(b exporter.KV) error {
		if v := b.Get(channelKey); guidRE.Match(v) {
			ch = string(v)
			return nil
		}
		ch = newGUID()
		return b.Put(channelKey, []byte(ch))
	})
	if err != nil {
		return "", fmt.Errorf("keep HEC ack channel in state: %w", err)
	}
	return ch, nil
}

// newGUID returns a random (version 4) UUID.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// waitAcks polls /services/collector/ack until every id is acknowledged.
// It fails with a retryable error once the ack timeout passes (the batch is
// re-sent), with exporter.Paused when HEC refuses the token, and with the
// context's error when ctx ends. Transient poll failures are retried until
// the timeout.
func (s *Sink) waitAcks(ctx context.Context, ids []int64) error {
	pending := make(map[int64]bool, len(ids))
	for _, id := range ids {
		pending[id] = true
	}
	// wall-clock time: deps.Now may be a test clock that never advances
	deadline := time.Now().Add(s.ack.timeout)
	var lastErr error
	for {
		acked, err := s.queryAcks(ctx, pending)
		switch {
		case err != nil && exporter.Classify(err).Kind == exporter.KindPaused:
			return err
		case err != nil:
			// Polled again; the failure is reported in the timeout's error.
			lastErr = err
		}
		for _, id := range acked {
			delete(pending, id)
		}
		if len(pending) == 0 {
			return nil
		}
		if !time.Now().Before(deadline) {
			msg := fmt.Errorf("splunk HEC did not acknowledge %d of %d requests within %s on channel %s (last error: %v); the batch will be re-sent",
				len(pending), len(ids), s.ack.timeout, s.ack.channel, lastErr)
			return exporter.Retryable(msg, 0)
		}
		t := time.NewTimer(s.ack.interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("wait for splunk HEC acknowledgement: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// queryAcks asks HEC about the pending ids and returns those acknowledged.
func (s *Sink) queryAcks(ctx context.Context, pending map[int64]bool) ([]int64, error) {
	q := struct {
		Acks []int64 `json:"acks"`
	}{}
	for id := range pending {
		q.Acks = append(q.Acks, id)
	}
	sort.Slice(q.Acks, func(i, j int) bool { return q.Acks[i] < q.Acks[j] })
	body, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	u := s.base + pathAck + "?channel=" + url.QueryEscape(s.ack.channel)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	s.headers(req)
	v, raw, err := s.do(req)
	if err != nil {
		return nil, fmt.Errorf("query splunk HEC acks: %w", err)
	}
	if v.outcome == splunk.Paused && (v.status == http.StatusUnauthorized || v.status == http.StatusForbidden) {
		return nil, s.pause(v)
	}
	if v.outcome != splunk.Accepted {
		return nil, fmt.Errorf("query splunk HEC acks: %w", v.err())
	}
	var r struct {
		Acks map[string]bool `json:"acks"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("decode splunk HEC ack reply: %w", err)
	}
	var out []int64
	for k, ok := range r.Acks {
		id, err := strconv.ParseInt(k, 10, 64)
		if err == nil && ok && pending[id] {
			out = append(out, id)
		}
	}
	return out, nil
}
