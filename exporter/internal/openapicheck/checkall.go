package openapicheck

import (
	"errors"
	"strings"
)

// CheckAll checks every request and returns nil or errors.Join of *Error.
// Identical requests are checked once, and one problem seen in several
// requests (the same bad parameter value on every page of a listing) is
// reported once, with More counting the other requests.
func (c *Checker) CheckAll(reqs []Req) error {
	seen := make(map[string]bool, len(reqs))
	var order []string
	groups := map[string]*Error{}
	for _, r := range reqs {
		if r.URL == nil {
			e := &Error{Product: c.product, Method: r.Method, Reason: "request has no URL"}
			key := "nil-url"
			if g, ok := groups[key]; ok {
				g.More++
			} else {
				groups[key] = e
				order = append(order, key)
			}
			continue
		}
		rk := strings.ToUpper(r.Method) + " " + r.URL.String()
		if seen[rk] {
			continue
		}
		seen[rk] = true
		for _, e := range c.check(r.Method, r.URL) {
			key := groupKey(e)
			if g, ok := groups[key]; ok {
				g.More++
				continue
			}
			groups[key] = e
			order = append(order, key)
		}
	}
	if len(order) == 0 {
		return nil
	}
	errs := make([]error, len(order))
	for i, k := range order {
		errs[i] = groups[k]
	}
	return errors.Join(errs...)
}

// groupKey identifies a problem independently of the request it was seen in:
// by operation, parameter and value when an operation matched, else by the
// request path (query strings differ page by page).
func groupKey(e *Error) string {
	if e.OperationID == "" {
		path, _, _ := strings.Cut(e.URL, "?")
		return strings.Join([]string{e.Method, path, e.Reason}, "\x00")
	}
	return strings.Join([]string{e.OperationID, e.In, e.Param, e.Value, e.Reason}, "\x00")
}
