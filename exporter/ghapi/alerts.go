package ghapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/google/go-github/v62/github"
)

// ListRequest asks for one (scope, kind) alert list.
type ListRequest struct {
	Scope  Scope
	Source exporter.Source
	// ETag is sent as If-None-Match on the first page; a 304 ends the list.
	ETag string
	// Since stops paging after the page whose oldest item was updated before
	// it; zero lists every page (backfill, reconcile).
	Since time.Time
	// PerPage defaults to 100, GitHub's maximum.
	PerPage int
}

// ListResult says what a listing did.
type ListResult struct {
	NotModified bool
	// ETag of the first page, to send next time.
	ETag       string
	Requests   int
	Items      int
	MaxUpdated time.Time
}

// PageFunc receives each page's alerts, newest update first. Returning an
// error stops the listing with that error.
type PageFunc func(page []exporter.Observation) error

// ListAlerts walks a list sorted by update time, newest first, calling fn
// per page. It fails on any HTTP error or any item that does not decode, so
// the caller never advances a cursor past an unread alert.
func (c *Client) ListAlerts(ctx context.Context, lr ListRequest, fn PageFunc) (ListResult, error) {
	var res ListResult
	if !Supported(c.Product(), lr.Scope.Kind, lr.Source) {
		return res, fmt.Errorf("list %s alerts for %s: not available on %s", lr.Source, lr.Scope, c.Product())
	}
	perPage := lr.PerPage
	if perPage <= 0 || perPage > 100 {
		perPage = 100
	}
	q := url.Values{}
	q.Set("sort", "updated")
	q.Set("direction", "desc")
	q.Set("per_page", strconv.Itoa(perPage))
	if lr.Source == exporter.SourceSecretScanning && c.hasHideSecret() {
		q.Set("hide_secret", "true")
	}
	next := listPath(lr.Scope, lr.Source) + "?" + q.Encode()
	for next != "" {
		req, err := c.gh.NewRequest(http.MethodGet, next, nil)
		if err != nil {
			return res, fmt.Errorf("list %s alerts for %s: %w", lr.Source, lr.Scope, err)
		}
		if res.Requests == 0 && lr.ETag != "" {
			req.Header.Set("If-None-Match", lr.ETag)
		}
		var items []json.RawMessage
		resp, err := c.gh.Do(ctx, req, &items)
		res.Requests++
		if resp != nil && resp.StatusCode == http.StatusNotModified && res.Requests == 1 {
			res.NotModified, res.ETag = true, lr.ETag
			return res, nil
		}
		if err != nil {
			return res, fmt.Errorf("list %s alerts for %s (page %d): %w", lr.Source, lr.Scope, res.Requests, describe(err))
		}
		if res.Requests == 1 {
			res.ETag = resp.Header.Get("ETag")
		}
		page := make([]exporter.Observation, 0, len(items))
		for i, raw := range items {
			o, err := decodeAlert(lr.Source, raw, lr.Scope, c.opts.IncludeRaw)
			if err != nil {
				return res, fmt.Errorf("list %s alerts for %s (page %d, item %d): %w", lr.Source, lr.Scope, res.Requests, i, err)
			}
			if o.UpdatedAt.After(res.MaxUpdated) {
				res.MaxUpdated = o.UpdatedAt
			}
			page = append(page, o)
		}
		res.Items += len(page)
		if err := fn(page); err != nil {
			return res, err
		}
		next = nextLink(resp.Header.Get("Link"))
		if !lr.Since.IsZero() && len(page) > 0 && page[len(page)-1].UpdatedAt.Before(lr.Since) {
			return res, nil
		}
	}
	return res, nil
}

// ErrNotFound is returned by GetAlert when GitHub answers 404 or 410.
var ErrNotFound = errors.New("alert not found")

// GetAlert reads one alert; a deleted or inaccessible alert is ErrNotFound.
func (c *Client) GetAlert(ctx context.Context, src exporter.Source, repo string, number int) (exporter.Observation, error) {
	path := fmt.Sprintf("repos/%s/%s/alerts/%d", repo, kindPath(src), number)
	if src == exporter.SourceSecretScanning && c.hasHideSecret() {
		path += "?hide_secret=true"
	}
	req, err := c.gh.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return exporter.Observation{}, err
	}
	var raw json.RawMessage
	resp, err := c.gh.Do(ctx, req, &raw)
	if resp != nil && (resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone) {
		return exporter.Observation{}, fmt.Errorf("get %s alert %s#%d: %w", src, repo, number, ErrNotFound)
	}
	if err != nil {
		return exporter.Observation{}, fmt.Errorf("get %s alert %s#%d: %w", src, repo, number, describe(err))
	}
	return decodeAlert(src, raw, Scope{Kind: ScopeRepo, Name: repo}, c.opts.IncludeRaw)
}

// hasHideSecret: GHES before 3.16 lacks the hide_secret parameter.
func (c *Client) hasHideSecret() bool {
	product, version := c.productInfo()
	if product != "ghes" || version == "" {
		return true
	}
	var major, minor int
	if _, err := fmt.Sscanf(version, "%d.%d", &major, &minor); err != nil {
		return true
	}
	return major > 3 || (major == 3 && minor >= 16)
}

var linkNext = regexp.MustCompile(`<([^>]+)>\s*;\s*rel="?next"?`)

// nextLink extracts the rel="next" URL from a Link header; GitHub gives
// cursor (after=) or page-number (page=) links, and both are followed as is.
func nextLink(h string) string {
	if m := linkNext.FindStringSubmatch(h); m != nil {
		return m[1]
	}
	return ""
}

// describe shortens go-github's errors to status and GitHub's message.
func describe(err error) error {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return fmt.Errorf("GitHub answered %d: %s: %w", er.Response.StatusCode, er.Message, err)
	}
	return err
}
