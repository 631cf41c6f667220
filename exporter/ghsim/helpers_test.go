package ghsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
)

// start serves s on a loopback test server closed with the test.
func start(t testing.TB, s *Sim) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

// client is a go-github v62 client pointed at the simulator (with /api/v3/
// on GHES, as go-github's WithEnterpriseURLs would do).
func client(t testing.TB, s *Sim, srv *httptest.Server) *github.Client {
	t.Helper()
	c := github.NewClient(srv.Client())
	base := srv.URL + "/"
	if s.opts.Product == ProductGHES {
		base = srv.URL + "/api/v3/"
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL = u
	if s.opts.Token != "" {
		c = c.WithAuthToken(s.opts.Token)
	}
	return c
}

type got struct {
	status int
	header http.Header
	body   []byte
}

// get fetches a URL (absolute, or a path on srv) with optional header pairs.
func get(t testing.TB, srv *httptest.Server, target string, hdr ...string) got {
	t.Helper()
	if strings.HasPrefix(target, "/") {
		target = srv.URL + target
	}
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return got{status: resp.StatusCode, header: resp.Header, body: body}
}

var linkRE = regexp.MustCompile(`<([^>]+)>; rel="([a-z]+)"`)

// links parses a Link header into rel → URL.
func links(h http.Header) map[string]string {
	out := map[string]string{}
	for _, m := range linkRE.FindAllStringSubmatch(h.Get("Link"), -1) {
		out[m[2]] = m[1]
	}
	return out
}

// item is the part of any alert or audit entry the walks compare.
type item struct {
	Number     int    `json:"number"`
	State      string `json:"state"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
	Repository *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
}

func (i item) id(repo string) string {
	if i.Repository != nil {
		repo = i.Repository.FullName
	}
	return repo + "#" + itoa(i.Number)
}

func itoa(n int) string { return strconv.Itoa(n) }

// walk follows rel links from first until none is left and returns every
// page's items in the order received.
func walk(t testing.TB, srv *httptest.Server, first, rel string, between func()) ([][]item, []got) {
	t.Helper()
	var pages [][]item
	var resps []got
	next := first
	for next != "" {
		g := get(t, srv, next)
		if g.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", next, g.status, g.body)
		}
		var page []item
		if err := json.Unmarshal(g.body, &page); err != nil {
			t.Fatalf("decode %s: %v", next, err)
		}
		pages = append(pages, page)
		resps = append(resps, g)
		next = links(g.header)[rel]
		if len(pages) > 10000 {
			t.Fatal("walk does not end")
		}
		if between != nil && next != "" {
			between()
		}
	}
	return pages, resps
}

// expected lists "repo#number" of live alerts of kind in a scope that match
// pred, read from the simulator's own state.
func expected(s *Sim, kind Kind, repos []string, pred func(a *alert) bool) map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]bool{}
	for _, name := range repos {
		for _, a := range s.repos[name].byNum[kindIndex(kind)] {
			if pred == nil || pred(a) {
				out[name+"#"+itoa(a.number)] = true
			}
		}
	}
	return out
}

func repoNames(s *Sim, org string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.orgs[org].repos {
		out = append(out, r.full)
	}
	return out
}
