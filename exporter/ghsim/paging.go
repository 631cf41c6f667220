package ghsim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// key orders list items: the sort timestamp, then a unique id, so the order
// is total and a cursor names an exact position even when timestamps tie.
type key struct {
	t  int64 // unix nanoseconds of the sort field
	id int64
}

func (k key) less(o key) bool {
	if k.t != o.t {
		return k.t < o.t
	}
	return k.id < o.id
}

// A cursor encodes the key of the item it was taken from (plus the sort
// field, so a cursor cannot silently be reused with another sort). Because it
// is a position in key space rather than an offset, items that are added,
// removed or re-sorted elsewhere in the list do not shift the next page.
func encodeCursor(sortBy string, k key) string {
	raw := "v1|" + sortBy + "|" + strconv.FormatInt(k.t, 36) + "|" + strconv.FormatInt(k.id, 36)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(sortBy, c string) (key, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(c, "="))
	if err != nil {
		return key{}, fmt.Errorf("invalid cursor")
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 4 || parts[0] != "v1" {
		return key{}, fmt.Errorf("invalid cursor")
	}
	if parts[1] != sortBy {
		return key{}, fmt.Errorf("cursor was issued for sort=%s, not sort=%s", parts[1], sortBy)
	}
	t, err1 := strconv.ParseInt(parts[2], 36, 64)
	id, err2 := strconv.ParseInt(parts[3], 36, 64)
	if err1 != nil || err2 != nil {
		return key{}, fmt.Errorf("invalid cursor")
	}
	return key{t: t, id: id}, nil
}

// pageReq is how one list request asks for its page.
type pageReq struct {
	desc          bool
	perPage       int
	cursorMode    bool
	after, before *key
	page          int // page mode, from 1
	sortBy        string
}

// window returns the logical [start, end) of the requested page in a list of
// n items sorted ascending by keyAt, where logical order is descending when
// desc (logical i is physical n-1-i). lastPage is set in page mode.
func (p pageReq) window(n int, keyAt func(i int) key) (start, end int) {
	if !p.cursorMode {
		start = (p.page - 1) * p.perPage
		if start > n {
			start = n
		}
		return start, min(start+p.perPage, n)
	}
	// countLess: physical items strictly below c; countLE: at or below.
	countLess := func(c key) int { return sort.Search(n, func(i int) bool { return !keyAt(i).less(c) }) }
	countLE := func(c key) int { return sort.Search(n, func(i int) bool { return c.less(keyAt(i)) }) }
	switch {
	case p.after != nil:
		if p.desc {
			start = n - countLess(*p.after)
		} else {
			start = countLE(*p.after)
		}
		return start, min(start+p.perPage, n)
	case p.before != nil:
		if p.desc {
			end = n - countLE(*p.before)
		} else {
			end = countLess(*p.before)
		}
		return max(0, end-p.perPage), end
	}
	return 0, min(p.perPage, n)
}

// phys maps a logical position to the physical (ascending) index.
func (p pageReq) phys(n, i int) int {
	if p.desc {
		return n - 1 - i
	}
	return i
}

// linkHeader builds GitHub's Link header for the page [start, end) of n items.
// Cursor mode links carry after=/before= like GitHub's (the other one empty);
// page mode links carry page= with rel next, last, first and prev.
func (p pageReq) linkHeader(r *http.Request, n, start, end int, keyAt func(i int) key, withFirst bool) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host + r.URL.Path
	link := func(rel string, set map[string]string) string {
		q := r.URL.Query()
		for k, v := range set {
			q.Set(k, v)
		}
		return "<" + base + "?" + q.Encode() + ">; rel=\"" + rel + "\""
	}
	var links []string
	if p.cursorMode {
		if end > start && end < n {
			c := encodeCursor(p.sortBy, keyAt(p.phys(n, end-1)))
			links = append(links, link("next", map[string]string{"after": c, "before": ""}))
		}
		if withFirst {
			links = append(links, link("first", map[string]string{"after": "", "before": ""}))
		}
		if end > start && start > 0 {
			c := encodeCursor(p.sortBy, keyAt(p.phys(n, start)))
			links = append(links, link("prev", map[string]string{"after": "", "before": c}))
		}
		return strings.Join(links, ", ")
	}
	last := max(1, (n+p.perPage-1)/p.perPage)
	pg := func(i int) map[string]string { return map[string]string{"page": strconv.Itoa(i)} }
	if p.page < last {
		links = append(links, link("next", pg(p.page+1)), link("last", pg(last)))
	}
	if p.page > 1 {
		links = append(links, link("first", pg(1)), link("prev", pg(min(p.page-1, last))))
	}
	return strings.Join(links, ", ")
}

// paging says which pagination an endpoint offers.
type paging struct {
	cursor, page bool
	pageDefault  bool // without before/after/page, answer in page mode
}

// parsePaging reads per_page, page, before and after. It returns an
// apiError (status + message) for what GitHub rejects.
func parsePaging(q url.Values, pg paging, sortBy string, desc bool) (pageReq, *apiError) {
	p := pageReq{desc: desc, perPage: 30, page: 1, sortBy: sortBy}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return p, validationFailed("per_page", "per_page must be an integer between 1 and 100")
		}
		p.perPage = n
	}
	_, hasAfter := q["after"]
	_, hasBefore := q["before"]
	_, hasPage := q["page"]
	switch {
	case pg.cursor && (hasAfter || hasBefore):
		p.cursorMode = true
		for name, dst := range map[string]**key{"after": &p.after, "before": &p.before} {
			if v := q.Get(name); v != "" {
				k, err := decodeCursor(sortBy, v)
				if err != nil {
					return p, &apiError{status: http.StatusBadRequest, msg: "Invalid " + name + " cursor: " + err.Error()}
				}
				*dst = &k
			}
		}
		if p.after != nil && p.before != nil {
			return p, &apiError{status: http.StatusBadRequest, msg: "Only one of before or after may be specified"}
		}
	case hasPage && !pg.page:
		return p, &apiError{status: http.StatusBadRequest, msg: "Pagination using the `page` parameter is not supported."}
	case hasPage:
		n, err := strconv.Atoi(q.Get("page"))
		if err != nil || n < 1 {
			return p, validationFailed("page", "page must be a positive integer")
		}
		p.page = n
	default:
		p.cursorMode = pg.cursor && !pg.pageDefault
	}
	return p, nil
}
