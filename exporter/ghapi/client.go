package ghapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/google/go-github/v62/github"
)

// Options configure a Client.
type Options struct {
	BaseURL     string // https://api.github.com/ or https://HOST/api/v3/
	Product     string // dotcom | ghec | ghes
	GHESVersion string // e.g. "3.19"; "" means the newest
	Token       string
	App         *AppAuth
	// APIVersion is sent as X-GitHub-Api-Version; "" means DefaultAPIVersion.
	APIVersion string
	// Reserve is the number of primary rate-limit units never spent.
	Reserve int
	// Concurrency is how many requests may be in flight for the credential.
	Concurrency int
	Timeout     time.Duration
	UserAgent   string
	// IncludeRaw keeps GitHub's object (without secret) on observations.
	IncludeRaw bool
	// AuditBudget caps audit-log queries per rolling hour (GitHub allows
	// 1,750 per user and IP); 0 means 1,750.
	AuditBudget int
	Logger      *slog.Logger
	// Transport is the base RoundTripper (tests); nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Sleep waits for d or until ctx ends (tests replace it); nil means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used for rate-limit resets; nil means time.Now.
	Now func() time.Time
}

// AppAuth authenticates as a GitHub App installation.
type AppAuth struct {
	AppID          int64
	InstallationID int64
	PrivateKey     []byte
}

// Client talks to one GitHub (github.com, GHEC or a GHES host) as one credential.
type Client struct {
	gh      *github.Client
	opts    Options
	limiter *Limiter
	log     *slog.Logger
	prod    productState
	// undecodable counts list items refused by decodeAlert.
	undecodable atomic.Int64
	// base is the transport that holds the connections, for
	// CloseIdleConnections.
	base http.RoundTripper
	// appHooks is the client of the App's own hook (hookClient), made on
	// first use: it authenticates with the App's JWT.
	appHooks atomic.Pointer[github.Client]
}

// New builds a Client. It fails on a malformed base URL or App key.
func New(opts Options) (*Client, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Concurrency < 1 {
		opts.Concurrency = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = exporter.Sleep
	}
	if opts.Product == "" {
		opts.Product = "dotcom"
	}
	base := opts.Transport
	if base == nil {
		// The timeout bounds waiting for response headers, not the whole
		// RoundTrip: the limiter may legitimately wait for a rate-limit reset.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = opts.Timeout
		base = t
	}
	if opts.APIVersion == "" {
		opts.APIVersion = DefaultAPIVersion
	}
	log := opts.Logger.With("component", "github")
	// the version is set below the limiter so every request carries it:
	// go-github's, the App token exchange and the App hook client's
	lim := newLimiter(&versionTransport{version: opts.APIVersion, next: base}, opts, log)
	var rt http.RoundTripper = lim
	if opts.App != nil {
		itr, err := ghinstallation.New(lim, opts.App.AppID, opts.App.InstallationID, opts.App.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("github app auth: %w", err)
		}
		itr.BaseURL = strings.TrimSuffix(opts.BaseURL, "/")
		rt = itr
	} else if opts.Token != "" {
		rt = &tokenTransport{token: opts.Token, next: lim}
	}
	u, err := url.Parse(opts.BaseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("github base url %q: not a URL", opts.BaseURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	hc := &http.Client{Transport: &originGuard{base: u, authed: rt}, CheckRedirect: checkRedirect(u)}
	gh := github.NewClient(hc)
	gh.BaseURL = u
	if opts.UserAgent != "" {
		gh.UserAgent = opts.UserAgent
	}
	return &Client{gh: gh, opts: opts, limiter: lim, log: log, base: base}, nil
}

// CloseIdleConnections closes the client's idle keep-alive connections. A
// client that is replaced (a config reload) or done with calls it: its
// transport would otherwise keep them, with their goroutines and file
// descriptors, for the transport's idle timeout.
func (c *Client) CloseIdleConnections() {
	if ci, ok := c.base.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// Product is the GitHub product the client acts on: the configured one,
// or the one set by SetProduct after detection.
func (c *Client) Product() string {
	p, _ := c.productInfo()
	return p
}

// APIVersion is the REST API version the client sends.
func (c *Client) APIVersion() string { return c.opts.APIVersion }

// Limiter exposes the rate-limit state (metrics, benchmarks).
func (c *Client) Limiter() *Limiter { return c.limiter }

type tokenTransport struct {
	token string
	next  http.RoundTripper
}

func (t *tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(r2)
}
