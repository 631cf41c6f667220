package ghapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/google/go-github/v62/github"
)

// Products a Detection can name.
const (
	ProductDotcom = "dotcom" // github.com; an enterprise scope there means GHEC
	ProductGHEC   = "ghec"
	ProductGHES   = "ghes"
)

// Detection is what GitHub's own answers say about the product behind the
// base URL.
type Detection struct {
	// Product is ghes, ghec (a *.ghe.com data-residency host), dotcom
	// (api.github.com: GHEC or not is a per-org question) or "" when the
	// answers say neither (a proxy, an unknown host).
	Product string
	// GHESVersion is the feature release, e.g. "3.19", on GHES.
	GHESVersion string
	// Evidence says which answer decided it, for the log and check output.
	Evidence string
}

// productState is the product the client acts on; detection may change it
// after New, while polls may be running on other goroutines.
type productState struct {
	mu          sync.Mutex
	set         bool
	product     string
	ghesVersion string
}

func (c *Client) productInfo() (product, ghesVersion string) {
	c.prod.mu.Lock()
	defer c.prod.mu.Unlock()
	if c.prod.set {
		return c.prod.product, c.prod.ghesVersion
	}
	return c.opts.Product, c.opts.GHESVersion
}

// SetProduct replaces the configured product and GHES version, typically
// with a Detection's.
func (c *Client) SetProduct(product, ghesVersion string) {
	c.prod.mu.Lock()
	defer c.prod.mu.Unlock()
	c.prod.set, c.prod.product, c.prod.ghesVersion = true, product, ghesVersion
}

// GHESVersion is the GHES feature release the client assumes ("" for the newest).
func (c *Client) GHESVersion() string {
	_, v := c.productInfo()
	return v
}

// Detect asks GitHub which product it is: GET /meta, whose answer carries
// the X-GitHub-Enterprise-Version header and an installed_version field on
// GHES only. Without either, the host decides (api.github.com, *.ghe.com);
// anything else is left undecided. It fails only when /meta cannot be read.
func (c *Client) Detect(ctx context.Context) (Detection, error) {
	req, err := c.gh.NewRequest(http.MethodGet, "meta", nil)
	if err != nil {
		return Detection{}, fmt.Errorf("detect github product: %w", err)
	}
	var meta struct {
		InstalledVersion string `json:"installed_version"`
	}
	// /meta is asked in the version every product serves: a GHES that
	// refuses the configured one still says which release it is
	req.Header.Set(HeaderAPIVersion, DefaultAPIVersion)
	resp, err := c.gh.Do(context.WithValue(ctx, defaultVersionKey{}, true), req, &meta)
	if err != nil {
		return Detection{}, fmt.Errorf("detect github product: get /meta: %w", describe(err))
	}
	if v := resp.Header.Get("X-GitHub-Enterprise-Version"); v != "" {
		return Detection{Product: ProductGHES, GHESVersion: featureRelease(v), Evidence: "X-GitHub-Enterprise-Version: " + v}, nil
	}
	if v := meta.InstalledVersion; v != "" {
		return Detection{Product: ProductGHES, GHESVersion: featureRelease(v), Evidence: "/meta installed_version " + v}, nil
	}
	host := strings.ToLower(c.gh.BaseURL.Hostname())
	switch {
	case host == "api.github.com":
		return Detection{Product: ProductDotcom, Evidence: "host api.github.com"}, nil
	case strings.HasSuffix(host, ".ghe.com"):
		return Detection{Product: ProductGHEC, Evidence: "host " + host + " (GHEC with data residency)"}, nil
	}
	return Detection{Evidence: "host " + host + " sent no GHES version"}, nil
}

// featureRelease keeps major.minor of a GHES version such as 3.19.2.
func featureRelease(v string) string {
	parts := strings.SplitN(strings.TrimSpace(v), ".", 3)
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return v
}

// StatusOf is the HTTP status of a GitHub error answer in err's chain, or 0
// when err is not one (a transport failure, a decode error).
func StatusOf(err error) int {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

// BaseHost is the host of the configured base URL.
func (c *Client) BaseHost() string { return c.gh.BaseURL.Host }

// Acting is the product to act as: a configured one wins; otherwise GHES
// when detected, and ghec for github.com and undecided hosts, where every
// list and audit log is tried and each org's answer decides.
func (d Detection) Acting(configured string) string {
	switch {
	case configured != "":
		return configured
	case d.Product == ProductGHES:
		return ProductGHES
	}
	return ProductGHEC
}
