package ghapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
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
	// SecretTypes, for a secret scanning list only, are sent as secret_type:
	// GitHub then lists just those types. Without it GitHub lists only the
	// default (provider) patterns; a generic pattern (password,
	// rsa_private_key, ...) is listed only when named here.
	SecretTypes []string
}

// what names the list in errors: the kind, and whether secret types were
// named (the second, generic, secret scanning listing).
func (lr ListRequest) what() string {
	if len(lr.SecretTypes) > 0 {
		return fmt.Sprintf("%s alerts of %d named secret types", lr.Source, len(lr.SecretTypes))
	}
	return string(lr.Source) + " alerts"
}

// ListResult says what a listing did.
type ListResult struct {
	NotModified bool
	// ETag of the first page, to send next time.
	ETag       string
	Requests   int
	Items      int
	MaxUpdated time.Time
	// Undecodable are the items that could not be decoded (each logged
	// once and counted); every other item of their pages was delivered.
	Undecodable []ItemError
}

// PageFunc receives each page's alerts, newest update first, in a slice of
// its own that the callee may keep. Returning an error stops the listing
// with that error.
type PageFunc func(page []exporter.Observation) error

// ListAlerts walks a list sorted by update time, newest first, calling fn
// per page. It fails on any HTTP error, on a page that is not a JSON array,
// on a Link off the API origin and on a Link back to a page already read,
// so the caller never advances a cursor past an unread page. An item that
// does not decode fails only itself: it is reported in
// ListResult.Undecodable and the rest of the page proceeds.
func (c *Client) ListAlerts(ctx context.Context, lr ListRequest, fn PageFunc) (ListResult, error) {
	var res ListResult
	if !Supported(c.Product(), lr.Scope.Kind, lr.Source) {
		return res, fmt.Errorf("list %s for %s: not available on %s", lr.what(), lr.Scope, c.Product())
	}
	if len(lr.SecretTypes) > 0 && lr.Source != exporter.SourceSecretScanning {
		return res, fmt.Errorf("list %s alerts for %s: secret types named for a list that has none", lr.Source, lr.Scope)
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
	if len(lr.SecretTypes) > 0 {
		q.Set("secret_type", strings.Join(lr.SecretTypes, ","))
	}
	next := listPath(lr.Scope, lr.Source) + "?" + q.Encode()
	pg, err := newPager(c.gh.BaseURL, next)
	if err != nil {
		return res, fmt.Errorf("list %s for %s: %w", lr.what(), lr.Scope, err)
	}
	// body is reused page after page: nothing decoded from it aliases it
	var body bytes.Buffer
	repos := newRepoCache()
	for next != "" {
		resp, unchanged, err := c.getPage(ctx, next, res.Requests, lr.ETag, &body)
		res.Requests++
		if unchanged {
			res.NotModified, res.ETag = true, lr.ETag
			return res, nil
		}
		var items []pageItem
		if err == nil {
			items, err = decodePage(body.Bytes(), lr.Source, lr.Scope, c.opts.IncludeRaw, repos)
		}
		if err != nil {
			return res, fmt.Errorf("list %s for %s (page %d): %w", lr.what(), lr.Scope, res.Requests, describe(err))
		}
		if res.Requests == 1 {
			res.ETag = resp.Header.Get("ETag")
		}
		page := make([]exporter.Observation, 0, len(items))
		// oldest is the oldest update seen on the page, undecodable items
		// included, so paging never stops short of a refused item.
		var oldest time.Time
		for i, it := range items {
			if it.err != nil {
				ie := itemError(lr.Source, it.raw, lr.Scope, res.Requests, i, it.err)
				c.refused(lr.Scope, ie)
				res.Undecodable = append(res.Undecodable, *ie)
				if !ie.UpdatedAt.IsZero() && (oldest.IsZero() || ie.UpdatedAt.Before(oldest)) {
					oldest = ie.UpdatedAt
				}
				continue
			}
			if it.o.UpdatedAt.After(res.MaxUpdated) {
				res.MaxUpdated = it.o.UpdatedAt
			}
			if oldest.IsZero() || it.o.UpdatedAt.Before(oldest) {
				oldest = it.o.UpdatedAt
			}
			page = append(page, it.o)
		}
		res.Items += len(page)
		if err := fn(page); err != nil {
			return res, err
		}
		next, err = pg.next(resp.Header.Get("Link"), res.Requests)
		if err != nil {
			return res, fmt.Errorf("list %s for %s: %w", lr.what(), lr.Scope, err)
		}
		if !lr.Since.IsZero() && !oldest.IsZero() && oldest.Before(lr.Since) {
			return res, nil
		}
	}
	return res, nil
}

// refused logs and counts one item that did not decode.
func (c *Client) refused(scope Scope, ie *ItemError) {
	c.undecodable.Add(1)
	c.log.Warn("alert item refused: it does not decode; the rest of the page proceeds and it is tried again",
		"scope", scope.String(), "source", ie.Source, "repo", ie.Repo, "number", ie.Number, "key", ie.Key,
		"page", ie.Page, "item", ie.Index, "err", ie.Err)
}

// Undecodable counts the list items refused since the client was built.
func (c *Client) Undecodable() int64 { return c.undecodable.Load() }

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
	var body bytes.Buffer
	resp, err := c.gh.Do(ctx, req, &body)
	if resp != nil && (resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone) {
		return exporter.Observation{}, fmt.Errorf("get %s alert %s#%d: %w", src, repo, number, ErrNotFound)
	}
	scope := Scope{Kind: ScopeRepo, Name: repo}
	var it pageItem
	if err == nil {
		it, err = decodeSingle(body.Bytes(), src, scope, c.opts.IncludeRaw)
	}
	if err != nil {
		return exporter.Observation{}, fmt.Errorf("get %s alert %s#%d: %w", src, repo, number, describe(err))
	}
	if it.err != nil {
		ie := itemError(src, it.raw, scope, 1, 0, it.err)
		c.refused(scope, ie)
		return it.o, fmt.Errorf("get %s alert %s#%d: %w", src, repo, number, ie)
	}
	return it.o, nil
}

// hasHideSecret: GHES before 3.16 lacks the hide_secret parameter.
func (c *Client) hasHideSecret() bool {
	product, version := c.productInfo()
	return product != "ghes" || config.GHESAtLeast(version, "3.16")
}
