package email

import (
	"cmp"
	"container/heap"
	"slices"
)

// topList keeps the first limit lines of a list under its order while the
// digest's entries stream by, so a list costs limit lines of memory however
// many events the period holds. Ties keep the line seen first, as the
// stable sort of a whole list would: the result is that sort's first limit
// lines, and More counts the rest.
type topList struct {
	limit int
	order func(a, b AlertLine) int
	total int
	// h is a max-heap: its root is the line the next better one replaces.
	h rankedHeap
}

type ranked struct {
	line AlertLine
	seen int // arrival, the tie-break
}

type rankedHeap struct {
	items []ranked
	order func(a, b AlertLine) int
}

func (h *rankedHeap) cmp(a, b ranked) int {
	return cmp.Or(h.order(a.line, b.line), cmp.Compare(a.seen, b.seen))
}

func (h *rankedHeap) Len() int           { return len(h.items) }
func (h *rankedHeap) Less(i, j int) bool { return h.cmp(h.items[i], h.items[j]) > 0 }
func (h *rankedHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *rankedHeap) Push(x any)         { h.items = append(h.items, x.(ranked)) }
func (h *rankedHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

func newTopList(limit int, order func(a, b AlertLine) int) *topList {
	return &topList{limit: limit, order: order, h: rankedHeap{order: order}}
}

// add offers a line; line's strings may be kept, so they must not alias
// memory that is reused.
func (t *topList) add(line AlertLine) {
	r := ranked{line: line, seen: t.total}
	t.total++
	if len(t.h.items) < t.limit {
		heap.Push(&t.h, r)
		return
	}
	// r arrived last, so on an order tie it loses: only a strictly better
	// line replaces the root.
	if t.order(line, t.h.items[0].line) < 0 {
		t.h.items[0] = r
		heap.Fix(&t.h, 0)
	}
}

// list returns the kept lines in order and how many were left out.
func (t *topList) list() List {
	items := slices.Clone(t.h.items)
	slices.SortFunc(items, t.h.cmp)
	l := List{More: t.total - len(items)}
	for _, r := range items {
		l.Items = append(l.Items, r.line)
	}
	return l
}
