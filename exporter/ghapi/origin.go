package ghapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ErrForeignOrigin is wrapped by every error about a URL (a Link header's
// next page, a redirect) that leaves the configured API origin. The
// credential is never sent to such a URL.
var ErrForeignOrigin = errors.New("URL is not on the configured GitHub API origin")

// origin is scheme://host[:port] of a URL, lowercased, with the default port
// made explicit so https://h and https://h:443 compare equal.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + host + ":" + port
}

// sameOrigin reports whether u is on the API origin of base.
func sameOrigin(base, u *url.URL) bool { return origin(base) == origin(u) }

// originGuard sits outermost in the client's transport chain: requests on
// the API origin go through the authenticating transport, anything else is
// refused before a credential is attached. go-github would otherwise follow
// a Link (or http.Client a redirect) to any host with the token set, since
// the token is added per request below http.Client.
type originGuard struct {
	base   *url.URL
	authed http.RoundTripper
}

func (g *originGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	if !sameOrigin(g.base, r.URL) {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, fmt.Errorf("request %s: %w (%s)", redact(r.URL), ErrForeignOrigin, origin(g.base))
	}
	return g.authed.RoundTrip(r)
}

// checkRedirect refuses a redirect off the API origin: GitHub redirects
// renamed repositories on its own host, never to another one.
func checkRedirect(base *url.URL) func(*http.Request, []*http.Request) error {
	return func(r *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return fmt.Errorf("follow redirect to %s: stopped after 10 redirects", redact(r.URL))
		}
		if !sameOrigin(base, r.URL) {
			return fmt.Errorf("follow redirect to %s: %w (%s)", redact(r.URL), ErrForeignOrigin, origin(base))
		}
		return nil
	}
}

// checkLink parses a Link URL relative to base and refuses it off origin.
func checkLink(base *url.URL, link string) (*url.URL, error) {
	u, err := base.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("next-page link %q: not a URL: %w", truncate(link, 200), err)
	}
	if !sameOrigin(base, u) {
		return nil, fmt.Errorf("next-page link %s: %w (%s)", redact(u), ErrForeignOrigin, origin(base))
	}
	return u, nil
}

// redact drops userinfo so a URL can be named in an error.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return truncate(c.String(), 200)
}

// truncate shortens s to about n bytes of valid UTF-8, for error messages
// and logs that quote what GitHub sent.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
