package ghsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// descriptionFile is GitHub's OpenAPI description as installed by
// scripts/deps/npm-github.sh (Octokit's @octokit/openapi package).
func descriptionFile(name string) string {
	return filepath.Join(testtools.Octokit(), "openapi", "generated", name+".json")
}

var validatedPaths = []string{
	"/repos/{owner}/{repo}/dependabot/alerts", "/repos/{owner}/{repo}/dependabot/alerts/{alert_number}",
	"/orgs/{org}/dependabot/alerts", "/enterprises/{enterprise}/dependabot/alerts",
	"/repos/{owner}/{repo}/code-scanning/alerts", "/repos/{owner}/{repo}/code-scanning/alerts/{alert_number}",
	"/orgs/{org}/code-scanning/alerts", "/enterprises/{enterprise}/code-scanning/alerts",
	"/repos/{owner}/{repo}/secret-scanning/alerts", "/repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}",
	"/orgs/{org}/secret-scanning/alerts", "/enterprises/{enterprise}/secret-scanning/alerts",
	"/orgs/{org}/audit-log", "/enterprises/{enterprise}/audit-log", "/rate_limit",
}

// loadPruned loads the GET operations of validatedPaths and the components
// they reference (the whole description takes seconds to load), as of REST
// API version apiVersion: "" is the description as written (2022-11-28),
// another version applies the schemas' x-github-breaking-changes up to it.
func loadPruned(t *testing.T, file, apiVersion string) *openapi3.T {
	t.Helper()
	return loadPrunedPaths(t, file, apiVersion, validatedPaths)
}

// loadPrunedPaths is loadPruned for the GET operations of paths.
func loadPrunedPaths(t *testing.T, file, apiVersion string, validatedPaths []string) *openapi3.T {
	t.Helper()
	testtools.Need(t, file)
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	paths := doc["paths"].(map[string]any)
	kept := map[string]any{}
	for _, p := range validatedPaths {
		if item, ok := paths[p].(map[string]any); ok {
			kept[p] = map[string]any{"get": item["get"]}
		}
	}
	comps := doc["components"].(map[string]any)
	if apiVersion != "" {
		schemas := comps["schemas"].(map[string]any)
		for name, sch := range schemas {
			schemas[name] = applyBreakingChanges(t, sch, apiVersion)
		}
	}
	out := map[string]any{}
	var visit func(v any)
	visit = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok && strings.HasPrefix(ref, "#/components/") {
				parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
				sect, _ := out[parts[0]].(map[string]any)
				if sect == nil {
					sect = map[string]any{}
					out[parts[0]] = sect
				}
				if _, done := sect[parts[1]]; !done {
					c := comps[parts[0]].(map[string]any)[parts[1]]
					sect[parts[1]] = c
					visit(c)
				}
			}
			for _, e := range x {
				visit(e)
			}
		case []any:
			for _, e := range x {
				visit(e)
			}
		}
	}
	visit(kept)
	pruned, _ := json.Marshal(map[string]any{"openapi": doc["openapi"], "info": doc["info"], "paths": kept, "components": out})
	spec, err := openapi3.NewLoader().LoadFromData(pruned)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// fillPath is path template tmpl with params in its {placeholders}.
func fillPath(tmpl string, params map[string]string) string {
	path := tmpl
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	return path
}

// validateGET checks the answer (status, header, body) to GET req, whose
// path parameters are params, against the GET of item, path template
// tmpl of spec.
func validateGET(spec *openapi3.T, tmpl string, item *openapi3.PathItem, req *http.Request, params map[string]string,
	status int, header http.Header, body []byte) error {
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params,
			Route: &routers.Route{Spec: spec, Path: tmpl, PathItem: item, Method: http.MethodGet, Operation: item.Get},
		},
		Status: status, Header: header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), in)
}

func TestOpenAPI_ResponsesMatchGitHubDescription(t *testing.T) {
	for _, p := range []struct{ desc, product, version string }{
		{"api.github.com", ProductDotcom, ""}, {"ghec", ProductGHEC, ""}, {"ghes-3.19", ProductGHES, ""},
		{"api.github.com", ProductDotcom, APIVersion20260310}, {"ghec", ProductGHEC, APIVersion20260310},
	} {
		name := p.desc
		if p.version != "" {
			name += "@" + p.version
		}
		t.Run(name, func(t *testing.T) {
			spec := loadPruned(t, descriptionFile(p.desc), p.version)
			s, _ := fixture(t, p.product, "")
			s.AddAuditEvent("acme", AuditEvent{Action: "secret_scanning_alert.resolve", Actor: "bob", Repo: "acme/app",
				Fields: map[string]any{"number": 1}})
			srv := start(t, s)
			checked := 0
			for _, tmpl := range validatedPaths {
				item := spec.Paths.Find(tmpl)
				if item == nil || item.Get == nil {
					continue // not in this product's API (e.g. audit log on api.github.com)
				}
				params := map[string]string{"owner": "acme", "repo": "app", "org": "acme", "enterprise": "acme-corp", "alert_number": "1"}
				path := fillPath(tmpl, params)
				for _, q := range []string{"?per_page=2", "?per_page=2&after=", "?state=open&sort=updated&direction=asc"} {
					if strings.HasSuffix(tmpl, "}") || tmpl == "/rate_limit" || strings.HasSuffix(tmpl, "audit-log") {
						q = ""
					}
					req, _ := http.NewRequest(http.MethodGet, srv.URL+s.prefix+path+q, nil)
					if p.version != "" {
						req.Header.Set("X-GitHub-Api-Version", p.version)
					}
					resp, err := srv.Client().Do(req)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("GET %s%s: %d %s", path, q, resp.StatusCode, body)
					}
					if err := validateGET(spec, tmpl, item, req, params, resp.StatusCode, resp.Header, body); err != nil {
						t.Errorf("GET %s%s does not match %s's description:\n%v\nbody: %.300s", path, q, p.desc, err, bytes.TrimSpace(body))
					}
					checked++
					if q == "" {
						break
					}
				}
			}
			if checked < 20 {
				t.Errorf("validated only %d responses", checked)
			}
		})
	}
}

// applyBreakingChanges returns schema as of API version v: each of its
// x-github-breaking-changes of version v applied in order, a JSON merge
// patch (RFC 7396) or a list of JSON Patch remove/replace operations, the
// two forms GitHub's description uses.
func applyBreakingChanges(t *testing.T, schema any, v string) any {
	m, ok := schema.(map[string]any)
	if !ok {
		return schema
	}
	changes, _ := m["x-github-breaking-changes"].([]any)
	for _, c := range changes {
		c := c.(map[string]any)
		if c["version"] != v {
			continue
		}
		switch p := c["patch"].(type) {
		case map[string]any:
			schema = mergePatch(schema, p)
		case []any:
			for _, op := range p {
				op := op.(map[string]any)
				schema = jsonPatch(t, schema, op["op"].(string), strings.Split(op["path"].(string), "/")[1:], op["value"])
			}
		}
	}
	return schema
}

func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
		} else {
			t[k] = mergePatch(t[k], v)
		}
	}
	return t
}

// jsonPatch applies one remove or replace at path (RFC 6901 tokens).
func jsonPatch(t *testing.T, doc any, op string, path []string, value any) any {
	key := strings.NewReplacer("~1", "/", "~0", "~").Replace(path[0])
	switch d := doc.(type) {
	case map[string]any:
		if len(path) > 1 {
			d[key] = jsonPatch(t, d[key], op, path[1:], value)
		} else if op == "remove" {
			delete(d, key)
		} else {
			d[key] = value
		}
		return d
	case []any:
		var i int
		if _, err := fmt.Sscan(key, &i); err != nil || i < 0 || i >= len(d) {
			t.Fatalf("json patch %s: index %q of %d elements", op, key, len(d))
		}
		if len(path) > 1 {
			d[i] = jsonPatch(t, d[i], op, path[1:], value)
		} else if op == "remove" {
			return append(d[:i:i], d[i+1:]...)
		} else {
			d[i] = value
		}
		return d
	}
	t.Fatalf("json patch %s: %q does not exist", op, key)
	return nil
}
