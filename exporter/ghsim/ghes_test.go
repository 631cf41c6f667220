package ghsim

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-github/v62/github"
)

func TestGHES_PageNumbers(t *testing.T) {
	for _, version := range []string{"3.19", "3.15"} {
		t.Run(version, func(t *testing.T) {
			s := New(Options{Product: ProductGHES, GHESVersion: version})
			Populate(s, "acme", 2, 75, 5)
			srv := start(t, s)
			c := client(t, s, srv)
			ctx := context.Background()

			// go-github's page walk over the org code scanning list.
			opts := &github.AlertListOptions{ListOptions: github.ListOptions{PerPage: 20}}
			n := 0
			for {
				alerts, resp, err := c.CodeScanning.ListAlertsForOrg(ctx, "acme", opts)
				if err != nil {
					t.Fatal(err)
				}
				n += len(alerts)
				if resp.NextPage == 0 {
					if resp.LastPage != 0 {
						t.Errorf("last page still links rel=last")
					}
					break
				}
				if resp.LastPage != 4 {
					t.Errorf("LastPage = %d, want 4", resp.LastPage)
				}
				opts.ListOptions.Page = resp.NextPage
			}
			if n != 75 {
				t.Errorf("walked %d code scanning alerts, want 75", n)
			}

			// The GHES repository Dependabot list still pages by number.
			g := get(t, srv, "/api/v3/repos/acme/repo-0001/dependabot/alerts?per_page=5&page=2")
			l := links(g.header)
			if g.status != http.StatusOK || l["next"] == "" || l["prev"] == "" || l["first"] == "" || l["last"] == "" {
				t.Errorf("dependabot repo page 2: %d, links %v", g.status, l)
			}
			// GHES 3.15 has no cursors on the repository code scanning list.
			g = get(t, srv, "/api/v3/repos/acme/repo-0001/code-scanning/alerts?per_page=5&after=")
			u, _ := url.Parse(links(g.header)["next"])
			if wantPage := version == "3.15"; (u.Query().Get("page") != "") != wantPage {
				t.Errorf("GHES %s repo code scanning next link: %s", version, u)
			}
			// The org Dependabot list is cursor-only everywhere.
			g = get(t, srv, "/api/v3/orgs/acme/dependabot/alerts?per_page=5")
			if u, _ := url.Parse(links(g.header)["next"]); u.Query().Get("after") == "" {
				t.Errorf("org dependabot next link %s has no cursor", u)
			}
		})
	}
}
