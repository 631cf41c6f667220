package openapicheck

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// Products maps each product name Load accepts to the path prefix its REST
// API lives under on the server: api.github.com and GHEC (also GHEC with data
// residency, api.<tenant>.ghe.com) serve it at the root, GHES at /api/v3.
// Read-only.
var Products = map[string]string{
	"api.github.com": "/",
	"ghec":           "/",
	"ghes-3.17":      "/api/v3",
	"ghes-3.18":      "/api/v3",
	"ghes-3.19":      "/api/v3",
}

// override replaces a path item of one description with GitHub's own
// definition taken from another description of the same API.
type override struct {
	Path string // path template, e.g. /repos/{owner}/{repo}/code-scanning/alerts
	From string // product whose description holds GitHub's definition
}

// overrides undoes the operation @octokit/openapi@23.0.2 replaces: for
// api.github.com it ships a 2022 definition of the repository code scanning
// alert list (kept so Octokit's clients may send sort=number), which lacks
// before, after, pr, severity and assignees. GitHub's own api.github.com
// description has the same definition as GHEC's (apart from a docs URL), so
// the GHEC path item is used. TestOverrides_StillNeeded fails once a newer
// package stops overriding, so this table cannot silently go stale.
var overrides = map[string][]override{
	"api.github.com": {{Path: "/repos/{owner}/{repo}/code-scanning/alerts", From: "ghec"}},
}

// descriptionFile is the plain (not dereferenced) description of product:
// it loads several times faster than the *.deref.json one (see BenchmarkLoad).
func descriptionFile(product string) string {
	return filepath.Join(testtools.Octokit(), "openapi", "generated", product+".json")
}

// cacheEntry holds one product's Checker, loaded once per test process.
type cacheEntry struct {
	once sync.Once
	c    *Checker
	err  error
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*cacheEntry{}
)

// Load returns the Checker for product ("api.github.com", "ghec",
// "ghes-3.17", "ghes-3.18" or "ghes-3.19"). The description is loaded once
// per process and shared by every test; a Checker is safe for concurrent use.
// An unknown product or a description that does not load fails the test; a
// description that is not installed skips it (fails it under CI=true).
func Load(t testing.TB, product string) *Checker {
	t.Helper()
	if _, ok := Products[product]; !ok {
		t.Fatalf("openapicheck: unknown product %q (known: %s)", product, strings.Join(productNames(), ", "))
	}
	testtools.Need(t, descriptionFile(product))
	for _, o := range overrides[product] {
		testtools.Need(t, descriptionFile(o.From))
	}
	cacheMu.Lock()
	e := cache[product]
	if e == nil {
		e = &cacheEntry{}
		cache[product] = e
	}
	cacheMu.Unlock()
	e.once.Do(func() { e.c, e.err = load(product) })
	if e.err != nil {
		t.Fatalf("openapicheck: %v", e.err)
	}
	return e.c
}

func productNames() []string {
	names := make([]string, 0, len(Products))
	for p := range Products {
		names = append(names, p)
	}
	sort.Strings(names)
	return names
}

// load reads, prunes and parses product's description and indexes its
// operations.
func load(product string) (*Checker, error) {
	spec, err := os.ReadFile(descriptionFile(product))
	if err != nil {
		return nil, fmt.Errorf("load %s description: %w", product, err)
	}
	replace := map[string]json.RawMessage{}
	for _, o := range overrides[product] {
		item, err := pathItem(o.From, o.Path)
		if err != nil {
			return nil, fmt.Errorf("load %s description: %w", product, err)
		}
		replace[o.Path] = item
	}
	pruned, err := prune(spec, replace)
	if err != nil {
		return nil, fmt.Errorf("prune %s description: %w", product, err)
	}
	doc, err := parse(pruned)
	if err != nil {
		return nil, fmt.Errorf("parse %s description: %w", product, err)
	}
	return newChecker(product, doc)
}

// parse loads an OpenAPI document with kin-openapi. External refs stay
// disallowed: the GHEC file has three ("server-statistics-*.yaml", inside the
// value of components/examples/server-statistics) that are not shipped;
// kin-openapi does not resolve refs inside example values, and prune drops
// that example anyway (TestParse_FullGHEC loads the unpruned file).
func parse(spec []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, err
	}
	doc.Servers = nil // Check strips the product's prefix itself, whatever the host
	return doc, nil
}

// pathItem returns the raw path item for path from product's description.
func pathItem(product, path string) (json.RawMessage, error) {
	spec, err := os.ReadFile(descriptionFile(product))
	if err != nil {
		return nil, fmt.Errorf("read %s description: %w", product, err)
	}
	var d struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(spec, &d); err != nil {
		return nil, fmt.Errorf("decode %s description: %w", product, err)
	}
	item, ok := d.Paths[path]
	if !ok {
		return nil, fmt.Errorf("path %s is not in the %s description", path, product)
	}
	return item, nil
}
