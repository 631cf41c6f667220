package elasticsearch

import (
	"fmt"
	"net/http"
	"strings"
)

// outcome is what became of one document, or of a whole request.
type outcome uint8

// The outcomes in the order they take precedence over each other in a
// batch: one paused document keeps the whole batch until an operator acts,
// one retried document sends the whole batch again (the documents already
// in answer 409 then), and only a batch of nothing but delivered and
// refused documents dead-letters the refused ones.
const (
	delivered outcome = iota
	refused
	retry
	paused
)

// bulkReply is the part of a _bulk reply the sink reads (the request's
// filter_path keeps it to that): one item per document, in request order.
type bulkReply struct {
	Errors *bool      `json:"errors"`
	Items  []bulkItem `json:"items"`
}

type bulkItem struct {
	// Create is the item of a create action, the only one the sink sends.
	Create *itemResult `json:"create"`
}

type itemResult struct {
	Status int        `json:"status"`
	Error  *itemError `json:"error"`
}

type itemError struct {
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

// maxReason bounds an error reason quoted in logs: a mapping error quotes
// a preview of the field's value.
const maxReason = 300

func (e *itemError) String() string {
	if e == nil {
		return "no error detail"
	}
	r := e.Reason
	if len(r) > maxReason {
		r = r[:maxReason] + "…"
	}
	return e.Type + ": " + r
}

// classifyItem decides one document's outcome from its item:
//   - 2xx: written;
//   - 409: a document with this _id is there already (a redelivery): the
//     record is delivered, not an error;
//   - 429 (a full write queue, the flood-stage disk block), 5xx (a shard
//     unavailable), 408: retried;
//   - 401, 403 (the credential may not write this index), 404 (no such
//     index and automatic creation is off), a closed index: paused, for
//     an operator;
//   - any other 400 (mapper_parsing_exception, document_parsing_exception,
//     strict_dynamic_mapping_exception, the field limit's
//     illegal_argument_exception) and 413: the document itself is refused
//     and dead-lettered; sending it again would fail again;
//   - anything else: retried, so that what the sink cannot tell loses no
//     record.
func classifyItem(it itemResult) outcome {
	s := it.Status
	switch {
	case s >= 200 && s < 300, s == http.StatusConflict:
		return delivered
	case s == http.StatusTooManyRequests, s >= 500, s == http.StatusRequestTimeout:
		return retry
	case s == http.StatusUnauthorized, s == http.StatusForbidden, s == http.StatusNotFound:
		return paused
	case s == http.StatusBadRequest:
		if it.Error != nil && it.Error.Type == "index_closed_exception" {
			return paused
		}
		return refused
	case s == http.StatusRequestEntityTooLarge:
		return refused
	}
	return retry
}

// classifyStatus decides a whole request's outcome from its HTTP status
// when there is no bulk reply to read:
//   - 401, 403: paused until the credential is fixed;
//   - 400 (the request itself is malformed: a proxy or a wrong URL, as
//     the sink frames every request the same), 404, 405: paused, for an
//     operator; dead-lettering would lose every record for a config error;
//   - 408, 429, 5xx and anything else: retried, honouring Retry-After.
//
// 413 is the caller's: it splits the request.
func classifyStatus(status int) outcome {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed:
		return paused
	}
	return retry
}

// tally counts a batch's documents by outcome and keeps the first error
// of each, for the error Send returns.
type tally struct {
	n       [paused + 1]int
	first   [paused + 1]string
	refused []int // batch indexes
}

func (t *tally) add(o outcome, idx int, detail string) {
	t.n[o]++
	if t.first[o] == "" {
		t.first[o] = detail
	}
	if o == refused {
		t.refused = append(t.refused, idx)
	}
}

// worst is the outcome that decides the batch.
func (t *tally) worst() outcome {
	for o := paused; o > delivered; o-- {
		if t.n[o] > 0 {
			return o
		}
	}
	return delivered
}

func (t *tally) describe(o outcome, total int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d documents", t.n[o], total)
	if t.first[o] != "" {
		fmt.Fprintf(&b, ", first: %s", t.first[o])
	}
	return b.String()
}
