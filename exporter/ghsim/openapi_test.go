package ghsim

import (
	"bytes"
	"context"
	"encoding/json"
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
// they reference (the whole description takes seconds to load).
func loadPruned(t *testing.T, file string) *openapi3.T {
	t.Helper()
	return loadPrunedPaths(t, file, validatedPaths)
}

// loadPrunedPaths is loadPruned for the GET operations of paths.
func loadPrunedPaths(t *testing.T, file string, validatedPaths []string) *openapi3.T {
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

func TestOpenAPI_ResponsesMatchGitHubDescription(t *testing.T) {
	for _, p := range []struct{ desc, product string }{{"api.github.com", ProductDotcom}, {"ghec", ProductGHEC}, {"ghes-3.19", ProductGHES}} {
		t.Run(p.desc, func(t *testing.T) {
			spec := loadPruned(t, descriptionFile(p.desc))
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
				path := tmpl
				for k, v := range params {
					path = strings.ReplaceAll(path, "{"+k+"}", v)
				}
				for _, q := range []string{"?per_page=2", "?per_page=2&after=", "?state=open&sort=updated&direction=asc"} {
					if strings.HasSuffix(tmpl, "}") || tmpl == "/rate_limit" || strings.HasSuffix(tmpl, "audit-log") {
						q = ""
					}
					req, _ := http.NewRequest(http.MethodGet, srv.URL+s.prefix+path+q, nil)
					resp, err := srv.Client().Do(req)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("GET %s%s: %d %s", path, q, resp.StatusCode, body)
					}
					in := &openapi3filter.ResponseValidationInput{
						RequestValidationInput: &openapi3filter.RequestValidationInput{
							Request: req, PathParams: params,
							Route: &routers.Route{Spec: spec, Path: tmpl, PathItem: item, Method: http.MethodGet, Operation: item.Get},
						},
						Status: resp.StatusCode, Header: resp.Header,
						Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
					}
					in.SetBodyBytes(body)
					if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
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
