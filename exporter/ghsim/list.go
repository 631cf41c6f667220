package ghsim

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

type scope int

const (
	scopeRepo scope = iota
	scopeOrg
	scopeEnterprise
)

// pagingFor says how GitHub paginates a list on the simulated product
// (list-params.json in GitHub's descriptions): Dependabot lists are cursor
// only (GHES keeps page numbers on the repository list); code and secret
// scanning offer both and answer with page links unless a before/after
// parameter (possibly empty) asks for cursors; the enterprise secret scanning
// list is cursor only; GHES 3.15 has no cursors on the repository code
// scanning list.
func (s *Sim) pagingFor(kind Kind, sc scope) paging {
	ghes := s.opts.Product == ProductGHES
	switch kind {
	case Dependabot:
		if ghes && sc == scopeRepo {
			return paging{cursor: true, page: true, pageDefault: true}
		}
		return paging{cursor: true}
	case CodeScanning:
		if ghes && sc == scopeRepo && s.opts.GHESVersion == "3.15" {
			return paging{page: true, pageDefault: true}
		}
		return paging{cursor: true, page: true, pageDefault: true}
	default:
		if sc == scopeEnterprise {
			return paging{cursor: true}
		}
		return paging{cursor: true, page: true, pageDefault: true}
	}
}

// serveList answers a repository, organization or enterprise alert list.
// Caller holds s.mu.
func (s *Sim) serveList(r *http.Request, kind Kind, sc scope, name string) *response {
	if sc == scopeEnterprise && kind != Dependabot && s.opts.Product == ProductDotcom {
		return errResponse(notFound()) // GHEC/GHES only
	}
	repos, ok := s.scopeRepos(sc, name)
	if !ok {
		return errResponse(notFound())
	}
	q := r.URL.Query()
	sortBy := q.Get("sort")
	switch sortBy {
	case "":
		sortBy = "created"
	case "created", "updated":
	default:
		return errResponse(validationFailed("sort", "sort must be one of created, updated"))
	}
	desc := true
	switch q.Get("direction") {
	case "", "desc":
	case "asc":
		desc = false
	default:
		return errResponse(validationFailed("direction", "direction must be one of asc, desc"))
	}
	flt, apiErr := parseFilter(kind, q)
	if apiErr != nil {
		return errResponse(apiErr)
	}
	pr, apiErr := parsePaging(q, s.pagingFor(kind, sc), sortBy, desc)
	if apiErr != nil {
		return errResponse(apiErr)
	}
	items := s.index(kind, sc, name, sortBy, flt, repos)
	n := len(items)
	keyAt := func(i int) key { return key{t: items[i].sortTime(sortBy).UnixNano(), id: items[i].id} }
	start, end := pr.window(n, keyAt)
	b := s.basesFor(r)
	hide := q.Get("hide_secret") == "true"
	body := make([]byte, 0, (end-start)*6000+2)
	body = append(body, '[')
	for i := start; i < end; i++ {
		if i > start {
			body = append(body, ',')
		}
		body = s.appendAlert(body, items[pr.phys(n, i)], b, sc != scopeRepo, hide)
	}
	body = append(body, ']')
	resp := okResponse(body)
	if link := pr.linkHeader(r, n, start, end, keyAt, false); link != "" {
		resp.header.Set("Link", link)
	}
	return resp
}

// appendAlert appends one alert's JSON to buf. The cached repository object
// is spliced in after marshalling: passing it through encoding/json as a
// RawMessage would re-validate its ~3 KB for every alert of every page.
func (s *Sim) appendAlert(buf []byte, a *alert, b bases, withRepo, hideSecret bool) []byte {
	var v any
	switch a.kind {
	case Dependabot:
		v = s.renderDependabot(a, b)
	case CodeScanning:
		v = s.renderCodeScanning(a, b)
	default:
		v = s.renderSecretScanning(a, b, hideSecret)
	}
	raw, _ := json.Marshal(v)
	if !withRepo {
		return append(buf, raw...)
	}
	buf = append(buf, raw[:len(raw)-1]...)
	buf = append(buf, `,"repository":`...)
	buf = append(buf, s.repoRaw(b, a.repo)...)
	return append(buf, '}')
}

// serveAlert answers GET /repos/{o}/{r}/{kind}/alerts/{n}. Caller holds s.mu.
func (s *Sim) serveAlert(r *http.Request, kind Kind, repoName, num string) *response {
	n, err := strconv.Atoi(num)
	rp := s.repos[repoName]
	if err != nil || rp == nil {
		return errResponse(notFound())
	}
	a := rp.byNum[kindIndex(kind)][n]
	if a == nil {
		return errResponse(notFound())
	}
	return okResponse(s.appendAlert(nil, a, s.basesFor(r), false, r.URL.Query().Get("hide_secret") == "true"))
}

// scopeRepos lists the repositories a scope covers; false when the
// repository, organization or enterprise does not exist.
func (s *Sim) scopeRepos(sc scope, name string) ([]*repo, bool) {
	switch sc {
	case scopeRepo:
		if r := s.repos[name]; r != nil {
			return []*repo{r}, true
		}
	case scopeOrg:
		if o := s.orgs[name]; o != nil {
			return o.repos, true
		}
	case scopeEnterprise:
		if e := s.enterprises[name]; e != nil {
			var out []*repo
			for _, o := range e.orgs {
				out = append(out, o.repos...)
			}
			return out, true
		}
	}
	return nil, false
}

type indexKey struct {
	kind   Kind
	sc     scope
	name   string
	sortBy string
	filter string
}

// sortedIndex is a cached, filtered list sorted ascending by (sort time, id),
// valid while the kind's version is unchanged.
type sortedIndex struct {
	version uint64
	items   []*alert
}

// index returns the filtered alerts of a scope sorted ascending by key. The
// result is cached per (scope, sort, filter) until an alert of the kind
// changes, so walking the pages of an unchanged list sorts once; after a
// change the next request pays one O(n log n) rebuild. Caller holds s.mu.
func (s *Sim) index(kind Kind, sc scope, name, sortBy string, flt filter, repos []*repo) []*alert {
	ki := kindIndex(kind)
	k := indexKey{kind: kind, sc: sc, name: name, sortBy: sortBy, filter: flt.String()}
	if c := s.cache[k]; c != nil && c.version == s.version[ki] {
		return c.items
	}
	type keyed struct {
		k key
		a *alert
	}
	var ks []keyed
	for _, r := range repos {
		for _, a := range r.byNum[ki] {
			if flt.match(a) {
				ks = append(ks, keyed{key{t: a.sortTime(sortBy).UnixNano(), id: a.id}, a})
			}
		}
	}
	slices.SortFunc(ks, func(x, y keyed) int { return cmp.Or(cmp.Compare(x.k.t, y.k.t), cmp.Compare(x.k.id, y.k.id)) })
	items := make([]*alert, len(ks))
	for i := range ks {
		items[i] = ks[i].a
	}
	if len(s.cache) > 256 { // bound memory: drop everything, rebuild on demand
		s.cache = map[indexKey]*sortedIndex{}
	}
	s.cache[k] = &sortedIndex{version: s.version[ki], items: items}
	return items
}

// splitList parses a comma-separated parameter into a set (nil when absent).
func splitList(q url.Values, name string) map[string]bool {
	v := q.Get(name)
	if v == "" {
		return nil
	}
	set := map[string]bool{}
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			set[p] = true
		}
	}
	return set
}
