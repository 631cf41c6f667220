package ghapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

// HeaderAPIVersion carries the REST API version of every request.
const HeaderAPIVersion = "X-GitHub-Api-Version"

// DefaultAPIVersion is the version sent when Options.APIVersion is empty:
// the one every product (GHES included) serves.
const DefaultAPIVersion = config.APIVersion20221128

// ErrAPIVersion is wrapped by the error of a request GitHub refused (400)
// for the REST API version it carried.
var ErrAPIVersion = errors.New("REST API version not served")

// versionTransport sets the configured API version on every request
// below it: go-github's own calls carry its default, ghinstallation's
// token exchange none.
type versionTransport struct {
	version string
	next    http.RoundTripper
}

// defaultVersionKey marks a request context whose requests keep
// DefaultAPIVersion: detection must learn the GHES release even when the
// configured version is one that release refuses.
type defaultVersionKey struct{}

func (t *versionTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get(HeaderAPIVersion) == t.version || r.Context().Value(defaultVersionKey{}) != nil {
		return t.next.RoundTrip(r)
	}
	// a RoundTripper must not change the caller's request
	r2 := r.Clone(r.Context())
	r2.Header.Set(HeaderAPIVersion, t.version)
	return t.next.RoundTrip(r2)
}

// versionRefusal is the error for er when GitHub refused the request for
// its API version, naming the version sent and the setting that chose it;
// nil otherwise. GitHub answers 400, saying the version "is not a
// supported version" in the X-GitHub-Api-Version header's name.
func versionRefusal(er *github.ErrorResponse) error {
	if er.Response == nil || !refusesVersion(er.Response.StatusCode, er.Message) {
		return nil
	}
	sent := ""
	if er.Response.Request != nil {
		sent = er.Response.Request.Header.Get(HeaderAPIVersion)
	}
	return fmt.Errorf("GitHub answered 400: %w: this GitHub does not serve %q, the version github.api_version sets "+
		"(%s is served by every product) (GitHub: %s)", ErrAPIVersion, sent, DefaultAPIVersion, truncate(er.Message, 300))
}

// refusesVersion reports whether an answer of status with GitHub's
// message msg refuses the request's API version.
func refusesVersion(status int, msg string) bool {
	return status == http.StatusBadRequest && strings.Contains(strings.ToLower(msg), strings.ToLower(HeaderAPIVersion))
}

// ServedBy reports whether product (and, on GHES, its feature release
// ghesVersion) serves API version v, and otherwise the first GHES release
// that does. An unknown GHES release ("") is assumed to serve it: GitHub's
// own 400 then says otherwise.
func ServedBy(v, product, ghesVersion string) (ok bool, firstGHES string) {
	if product != ProductGHES || ghesVersion == "" {
		return true, ""
	}
	return config.GHESServes(ghesVersion, v)
}

// CheckAPIVersion fails when the product the client acts on, as
// configured or detected, does not serve the API version it sends: GHES
// before 3.21 and 2026-03-10. The error names both versions and the
// settings.
func (c *Client) CheckAPIVersion() error {
	product, ghes := c.productInfo()
	if ok, first := ServedBy(c.opts.APIVersion, product, ghes); !ok {
		return fmt.Errorf("GHES %s does not serve REST API version %s (github.api_version), which GHES has from %s: "+
			"set github.api_version to %s or upgrade GHES: %w", ghes, c.opts.APIVersion, first, DefaultAPIVersion, ErrAPIVersion)
	}
	return nil
}
