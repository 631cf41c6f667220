// Package batching holds what every sink that sends a batch as bounded
// requests shares: cutting the batch into requests (Chunks), compressing a
// request's body (Gzip), keeping the bodies built ahead of Send (Bodies)
// and collecting the records refused for good into one exporter.Rejected
// (Rejections).
package batching

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Chunks groups the indexes of the items with a non-zero size into
// requests of at most maxItems items and maxBytes bytes, counting overhead
// bytes per request (a JSON array's brackets). An item larger than
// maxBytes goes alone; a size of 0 (a record that did not encode) is left
// out.
func Chunks(sizes []int, maxItems, maxBytes, overhead int) [][]int {
	var out [][]int
	var cur []int
	total := overhead
	for i, n := range sizes {
		if n == 0 {
			continue
		}
		if len(cur) > 0 && (len(cur) >= maxItems || total+n > maxBytes) {
			out = append(out, cur)
			cur, total = nil, overhead
		}
		cur = append(cur, i)
		total += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// Rejections collects the records of a batch refused for good: those that
// could not be encoded and those the destination refused as bad data.
type Rejections struct {
	idxs []int
	err  error // the last reason seen
}

// Add records that the records at idxs were refused because of err.
func (r *Rejections) Add(err error, idxs ...int) {
	r.idxs = append(r.idxs, idxs...)
	r.err = err
}

// Err returns nil when nothing was refused. Otherwise it returns
// exporter.Rejected — "<what> <k> of <n> records (ids …): <last reason>",
// naming up to ten record ids (id gives the i-th; never content) — listing
// the refused indexes in order, so the rest of the batch counts as
// delivered and the refused records go to the dead-letter bucket.
func (r *Rejections) Err(what string, n int, id func(i int) string) error {
	if len(r.idxs) == 0 {
		return nil
	}
	sort.Ints(r.idxs)
	ids := make([]string, 0, min(len(r.idxs), 10))
	for _, i := range r.idxs[:min(len(r.idxs), 10)] {
		ids = append(ids, id(i))
	}
	return exporter.Rejected(fmt.Errorf("%s %d of %d records (ids %s): %w",
		what, len(r.idxs), n, strings.Join(ids, ", "), r.err), r.idxs...)
}
