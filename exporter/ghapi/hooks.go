package ghapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
)

// HookRef names a webhook whose deliveries can be listed: an org hook
// (Org + ID), a repository hook (Repo + ID) or the GitHub App's own hook (App).
type HookRef struct {
	Org  string
	Repo string // owner/name
	ID   int64
	App  bool
}

// String names the hook in logs and errors.
func (h HookRef) String() string {
	switch {
	case h.App:
		return "app hook"
	case h.Repo != "":
		return fmt.Sprintf("repo %s hook %d", h.Repo, h.ID)
	}
	return fmt.Sprintf("org %s hook %d", h.Org, h.ID)
}

// HookDelivery is one delivery attempt as GitHub lists it.
type HookDelivery struct {
	ID          int64
	GUID        string
	DeliveredAt time.Time
	StatusCode  int
	Redelivery  bool
	Event       string
}

// ListHookDeliveries lists a hook's deliveries newest first, stopping at
// the first one older than since.
func (c *Client) ListHookDeliveries(ctx context.Context, h HookRef, since time.Time) ([]HookDelivery, error) {
	gh, err := c.hookClient(h)
	if err != nil {
		return nil, err
	}
	first := h.deliveries() + "?per_page=100"
	pg, err := newPager(gh.BaseURL, first)
	if err != nil {
		return nil, fmt.Errorf("list deliveries of %s: %w", h, err)
	}
	var out []HookDelivery
	for n, next := 1, first; ; n++ {
		req, err := gh.NewRequest(http.MethodGet, next, nil)
		if err != nil {
			return out, fmt.Errorf("list deliveries of %s: %w", h, err)
		}
		var page []*github.HookDelivery
		resp, err := gh.Do(ctx, req, &page)
		if err != nil {
			return out, fmt.Errorf("list deliveries of %s: %w", h, describe(err))
		}
		for _, d := range page {
			at := d.GetDeliveredAt().Time
			if at.Before(since) {
				return out, nil
			}
			out = append(out, HookDelivery{
				ID: d.GetID(), GUID: d.GetGUID(), DeliveredAt: at, StatusCode: d.GetStatusCode(),
				Redelivery: d.GetRedelivery(), Event: d.GetEvent(),
			})
		}
		if len(page) == 0 {
			return out, nil
		}
		// The Link header is checked as an alert listing's is: on the API
		// origin, never back to a page already read, at most
		// maxDeliveryPages pages; go-github's cursor would be followed
		// anywhere, forever.
		if next, err = pg.next(resp.Header.Get("Link"), n); err != nil {
			return out, fmt.Errorf("list deliveries of %s: %w", h, err)
		}
		if next == "" {
			return out, nil
		}
		if n >= maxDeliveryPages {
			return out, fmt.Errorf("list deliveries of %s: %w (%d pages of 100)", h, ErrTooManyPages, n)
		}
	}
}

// maxDeliveryPages bounds one listing of a hook's deliveries: GitHub keeps
// deliveries for 3 days, and 1,000 pages of 100 is far beyond any hook's
// traffic in that time; more means a listing that does not end.
const maxDeliveryPages = 1000

// ErrTooManyPages is wrapped by the error of a listing that went on past
// its page bound.
var ErrTooManyPages = errors.New("listing did not end within its page bound")

// Redeliver asks GitHub to deliver a delivery again (it answers 202 and
// sends it shortly after, as a new attempt with the same GUID).
func (c *Client) Redeliver(ctx context.Context, h HookRef, deliveryID int64) error {
	gh, err := c.hookClient(h)
	if err != nil {
		return err
	}
	req, err := gh.NewRequest(http.MethodPost, fmt.Sprintf("%s/%d/attempts", h.deliveries(), deliveryID), nil)
	if err == nil {
		_, err = gh.Do(ctx, req, new(github.HookDelivery))
	}
	// go-github reports 202 Accepted as *github.AcceptedError: success here.
	var accepted *github.AcceptedError
	if errors.As(err, &accepted) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("redeliver delivery %d of %s: %w", deliveryID, h, describe(err))
	}
	return nil
}

// deliveries is the API path of h's deliveries, relative to the base URL:
// the one place that tells the App's, a repository's and an org's hook
// apart, as GitHub's three sets of delivery endpoints do.
func (h HookRef) deliveries() string {
	switch {
	case h.App:
		return "app/hook/deliveries"
	case h.Repo != "":
		owner, name, _ := strings.Cut(h.Repo, "/")
		return fmt.Sprintf("repos/%s/%s/hooks/%d/deliveries", owner, name, h.ID)
	}
	return fmt.Sprintf("orgs/%s/hooks/%d/deliveries", h.Org, h.ID)
}

// hookClient is the client for h: the App's hook needs the App's JWT, not
// an installation token.
func (c *Client) hookClient(h HookRef) (*github.Client, error) {
	if !h.App {
		return c.gh, nil
	}
	if gh := c.appHooks.Load(); gh != nil {
		return gh, nil
	}
	if c.opts.App == nil {
		return nil, fmt.Errorf("list deliveries of the app hook: github.app is not configured")
	}
	atr, err := ghinstallation.NewAppsTransport(c.limiter, c.opts.App.AppID, c.opts.App.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("github app auth: %w", err)
	}
	atr.BaseURL = strings.TrimSuffix(c.opts.BaseURL, "/")
	gh := github.NewClient(&http.Client{Transport: atr})
	gh.BaseURL, gh.UserAgent = c.gh.BaseURL, c.gh.UserAgent
	c.appHooks.CompareAndSwap(nil, gh)
	return c.appHooks.Load(), nil
}
