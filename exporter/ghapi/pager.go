package ghapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/google/go-github/v62/github"
)

// ErrPageLoop is wrapped by the error of a listing whose Link header leads
// back to a page it already read: following it would never end.
var ErrPageLoop = errors.New("next page was already read")

var linkNext = regexp.MustCompile(`<([^>]+)>\s*;\s*rel="?next"?`)

// nextLink extracts the rel="next" URL from a Link header; GitHub gives
// cursor (after=) or page-number (page=) links.
func nextLink(h string) string {
	if m := linkNext.FindStringSubmatch(h); m != nil {
		return m[1]
	}
	return ""
}

// pager follows one listing's Link headers: only on the API origin, and
// never to a page it already read (a repeated cursor or page number).
type pager struct {
	base *url.URL
	// read maps each page's identity to the 1-based number of the request
	// that read it.
	read map[string]int
}

func newPager(base *url.URL, first string) (*pager, error) {
	p := &pager{base: base, read: map[string]int{}}
	u, err := base.Parse(first)
	if err != nil {
		return nil, err
	}
	p.read[pageIdentity(u)] = 1
	return p, nil
}

// next returns the URL of the page after request n (1-based) from its Link
// header, "" at the end. A link off the API origin or back to a page
// already read is an error naming the link.
func (p *pager) next(link string, n int) (string, error) {
	raw := nextLink(link)
	if raw == "" {
		return "", nil
	}
	u, err := checkLink(p.base, raw)
	if err != nil {
		return "", err
	}
	id := pageIdentity(u)
	if prev, ok := p.read[id]; ok {
		return "", fmt.Errorf("next-page link %s after page %d: %w (page %d)", redact(u), n, ErrPageLoop, prev)
	}
	p.read[id] = n + 1
	return u.String(), nil
}

// cursorParams are the query parameters that select a page; any other
// parameter (per_page, sort, filters) does not make a page a different one.
var cursorParams = []string{"after", "before", "page", "cursor"}

// pageIdentity names the page a URL selects: its path and cursor
// parameters. A URL without any is the first page, as page=1 is.
func pageIdentity(u *url.URL) string {
	q := u.Query()
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(u.EscapedPath(), "/"))
	any := false
	for _, k := range cursorParams {
		v := q.Get(k)
		if k == "page" && v == "1" {
			continue
		}
		if v != "" {
			any = true
			b.WriteString("&" + k + "=" + v)
		}
	}
	if !any {
		b.WriteString("&first")
	}
	return b.String()
}

// getPage reads the page at path of a listing into body, which it resets
// first; read is how many pages the listing has read before it. The first
// page carries etag, when set, as If-None-Match, and unchanged reports
// that it answered 304: the listing has not changed since etag. The alert
// and request listings read their pages through it.
func (c *Client) getPage(ctx context.Context, path string, read int, etag string, body *bytes.Buffer) (resp *github.Response, unchanged bool, err error) {
	req, err := c.gh.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return nil, false, err
	}
	if read == 0 && etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	body.Reset()
	resp, err = c.gh.Do(ctx, req, body)
	return resp, read == 0 && resp != nil && resp.StatusCode == http.StatusNotModified, err
}
