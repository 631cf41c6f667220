package elasticsearch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	json "github.com/goccy/go-json"

	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// filterPath keeps a _bulk reply to what the sink reads: about 30 bytes a
// document instead of 250.
var filterPath = []string{"errors", "items.*.status", "items.*.error.type", "items.*.error.reason"}

// maxReplyBytes bounds a _bulk reply read; one without filter_path (a
// proxy dropped it) is about 300 bytes a document.
const maxReplyBytes = 64 << 20

// errTooLarge is a reply over maxReplyBytes.
var errTooLarge = errors.New("reply larger than 64 MiB")

// bulk sends one _bulk request holding the documents at idxs (payload,
// built from docs) and adds each document's outcome to t. It returns a non-nil
// error only for a request refused or failed as a whole, classified; the
// caller then stops. A 413 splits the request in two and sends each half
// (a request the cluster or a proxy finds too large is not the documents'
// fault), down to one document, which is then refused.
func (s *Sink) bulk(ctx context.Context, idxs []int, payload []byte, docs *docSet, t *tally) error {
	status, h, reply, err := s.post(ctx, payload)
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return exporter.Retryable(fmt.Errorf("post _bulk to elasticsearch: %w", err), 0)
	}
	switch {
	case status == http.StatusRequestEntityTooLarge && len(idxs) > 1:
		half := len(idxs) / 2
		for _, part := range [][]int{idxs[:half], idxs[half:]} {
			b, err := body(part, docs, s.compress)
			if err != nil {
				return exporter.Retryable(err, 0)
			}
			if err := s.bulk(ctx, part, b, docs, t); err != nil {
				return err
			}
		}
		return nil
	case status == http.StatusRequestEntityTooLarge:
		t.add(refused, idxs[0], fmt.Sprintf("413 Request Entity Too Large for one document of %d bytes", docs.size(idxs[0])))
		return nil
	case status < 200 || status >= 300:
		e := fmt.Errorf("elasticsearch _bulk answered %d: %s", status, replyText(reply))
		if classifyStatus(status) == paused {
			return exporter.Paused(fmt.Errorf("%w; fix the credential, its privileges or urls to resume (records are kept)", e))
		}
		ra, _ := exporter.ParseRetryAfter(h.Get("Retry-After"), s.now())
		return exporter.Retryable(e, ra)
	}
	if s.checkProd && h.Get("X-Elastic-Product") != "Elasticsearch" {
		return exporter.Paused(errors.New("the cluster answered _bulk without the header X-Elastic-Product: Elasticsearch: " +
			"for OpenSearch set compatibility: opensearch, else check urls (records are kept)"))
	}
	var r bulkReply
	if err := json.Unmarshal(reply, &r); err != nil || r.Errors == nil || len(r.Items) != len(idxs) {
		return exporter.Paused(fmt.Errorf("elasticsearch _bulk answered %d without a bulk reply for %d documents (%d items): is urls a cluster's address? (records are kept)", status, len(idxs), len(r.Items)))
	}
	for i, it := range r.Items {
		if it.Create == nil {
			return exporter.Paused(fmt.Errorf("elasticsearch _bulk reply item %d is not a create result (records are kept)", i))
		}
		o := classifyItem(*it.Create)
		detail := ""
		if o != delivered {
			detail = strconv.Itoa(it.Create.Status) + " " + it.Create.Error.String()
		}
		t.add(o, idxs[i], detail)
	}
	return nil
}

// post makes one _bulk request through go-elasticsearch's esapi and
// returns the reply's status, headers and body.
func (s *Sink) post(ctx context.Context, payload []byte) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	// a header map per request: the transport adds to it
	h := http.Header{"Content-Type": {"application/x-ndjson"}}
	if s.compress {
		h.Set("Content-Encoding", "gzip")
	}
	req := esapi.BulkRequest{Body: bytes.NewReader(payload), Pipeline: s.pipeline, FilterPath: filterPath, Header: h}
	resp, err := req.Do(ctx, s.tp)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes+1))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("read _bulk reply: %w", err)
	}
	if len(reply) > maxReplyBytes {
		return 0, nil, nil, errTooLarge
	}
	return resp.StatusCode, resp.Header, reply, nil
}

// replyText is what an error quotes of a refused request's reply:
// Elasticsearch's error type and reason, or the start of the body.
func replyText(reply []byte) string {
	var e struct {
		Error *itemError `json:"error"`
	}
	if json.Unmarshal(reply, &e) == nil && e.Error != nil {
		return e.Error.String()
	}
	b := bytes.TrimSpace(reply)
	if len(b) > maxReason {
		b = b[:maxReason]
	}
	if len(b) == 0 {
		return "no reply body"
	}
	return strconv.Quote(string(b))
}
