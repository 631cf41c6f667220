package ghapi

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// RequestList names one list of dismissal or bypass requests at a scope.
type RequestList struct {
	Scope  Scope
	Kind   string // exporter.RequestKindDismissal or RequestKindBypass
	Target string // exporter.RequestTarget*
}

// String renders the list as scope/kind/target, e.g.
// org:acme/dismissal/dependabot.
func (l RequestList) String() string { return l.Scope.String() + "/" + l.Kind + "/" + l.Target }

// Path is the list's REST path, e.g. orgs/acme/dismissal-requests/dependabot.
func (l RequestList) Path() string {
	seg := "dismissal-requests/"
	if l.Kind == exporter.RequestKindBypass {
		seg = "bypass-requests/"
	}
	seg += strings.ReplaceAll(l.Target, "_", "-")
	switch l.Scope.Kind {
	case ScopeRepo:
		return "repos/" + l.Scope.Name + "/" + seg
	case ScopeOrg:
		return "orgs/" + l.Scope.Name + "/" + seg
	}
	return "enterprises/" + l.Scope.Name + "/" + seg
}

// RequestLists are the request lists GitHub's descriptions (GHEC, GHES
// 3.17+) have at a scope kind: dismissals of the three alert kinds and
// bypasses of secret scanning and push rules at repositories and
// organizations; at an enterprise, bypasses and secret scanning dismissals.
func RequestLists(s Scope) []RequestList {
	d, b := exporter.RequestKindDismissal, exporter.RequestKindBypass
	pairs := [][2]string{
		{d, exporter.RequestTargetCodeScanning}, {d, exporter.RequestTargetDependabot}, {d, exporter.RequestTargetSecretScanning},
		{b, exporter.RequestTargetSecretScanning}, {b, exporter.RequestTargetPushRules},
	}
	if s.Kind == ScopeEnterprise {
		pairs = [][2]string{{d, exporter.RequestTargetSecretScanning}, {b, exporter.RequestTargetSecretScanning}, {b, exporter.RequestTargetPushRules}}
	}
	out := make([]RequestList, len(pairs))
	for i, p := range pairs {
		out[i] = RequestList{Scope: s, Kind: p[0], Target: p[1]}
	}
	return out
}

// RequestListRequest asks for one request list.
type RequestListRequest struct {
	List RequestList
	// Period is GitHub's time_period (hour, day, week, month).
	Period string
	// ETag is sent as If-None-Match on the first page; a 304 ends the list.
	// Only a listing that was one page may send one: a later page can
	// change while the first does not.
	ETag    string
	PerPage int
}

// RequestListResult says what a request listing did.
type RequestListResult struct {
	NotModified bool
	// ETag is the first page's, when the listing was that page alone;
	// "" otherwise.
	ETag     string
	Requests int
	Items    int
	// Undecodable counts the items refused (each logged once).
	Undecodable int
}

// RequestPageFunc receives each page's requests. last is set on the final
// page, with the ETag to send next time ("" unless the listing was that one
// page), so the caller can commit its cursor with that page.
type RequestPageFunc func(page []exporter.RequestObservation, last bool, etag string) error

// ListRequests reads one request list with request_status=all (GitHub
// ignores a "status" parameter), page by page through the Link header. It
// fails on any HTTP error, a 404 included (a product or plan without the
// list: see StatusOf), on a page that is not a JSON array and on a Link off
// the API origin or back to a page already read. An item that does not
// decode fails only itself: it is logged, counted and skipped.
func (c *Client) ListRequests(ctx context.Context, rr RequestListRequest, fn RequestPageFunc) (RequestListResult, error) {
	var res RequestListResult
	perPage := rr.PerPage
	if perPage <= 0 || perPage > 100 {
		perPage = 100
	}
	q := url.Values{}
	q.Set("request_status", "all")
	if rr.Period != "" {
		q.Set("time_period", rr.Period)
	}
	q.Set("per_page", strconv.Itoa(perPage))
	next := rr.List.Path() + "?" + q.Encode()
	pg, err := newPager(c.gh.BaseURL, next)
	if err != nil {
		return res, fmt.Errorf("list requests %s: %w", rr.List, err)
	}
	var body bytes.Buffer
	for next != "" {
		resp, unchanged, err := c.getPage(ctx, next, res.Requests, rr.ETag, &body)
		res.Requests++
		if unchanged {
			res.NotModified, res.ETag = true, rr.ETag
			return res, nil
		}
		var items []rawItem
		if err == nil {
			items, err = splitArray(body.Bytes())
		}
		if err != nil {
			return res, fmt.Errorf("list requests %s (page %d): %w", rr.List, res.Requests, describe(err))
		}
		page := make([]exporter.RequestObservation, 0, len(items))
		for i, raw := range items {
			o, err := decodeRequest(raw, rr.List, c.opts.IncludeRaw)
			if err != nil {
				res.Undecodable++
				c.undecodable.Add(1)
				c.log.Warn("request item refused: it does not decode; the rest of the page proceeds and it is read again next poll",
					"list", rr.List.String(), "page", res.Requests, "item", i, "err", err)
				continue
			}
			page = append(page, o)
		}
		res.Items += len(page)
		link := resp.Header.Get("Link")
		if next, err = pg.next(link, res.Requests); err != nil {
			return res, fmt.Errorf("list requests %s: %w", rr.List, err)
		}
		if next == "" && res.Requests == 1 && res.Undecodable == 0 {
			res.ETag = resp.Header.Get("ETag")
		}
		if err := fn(page, next == "", res.ETag); err != nil {
			return res, err
		}
	}
	return res, nil
}
