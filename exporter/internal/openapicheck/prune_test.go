package openapicheck

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// TestPrune_KeepsEveryOperation is the proof that pruning loses nothing a
// request check reads: every operation of the full description (loaded with
// kin-openapi as published) is in the pruned one with the same operationId
// and the same parameters (name, location, required, resolved schema,
// description). It loads each full description, ~1–3 s apiece.
func TestPrune_KeepsEveryOperation(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the full descriptions; skipped with -short")
	}
	for _, product := range allProducts {
		t.Run(product, func(t *testing.T) {
			pruned := Load(t, product)
			full := loadFull(t, product)
			replaced := map[string]bool{}
			for _, o := range overrides[product] {
				replaced[o.Path] = true
			}
			n := 0
			for path, item := range full.Paths.Map() {
				pItem := pruned.doc.Paths.Value(path)
				if pItem == nil {
					t.Errorf("path %s lost", path)
					continue
				}
				for method, op := range item.Operations() {
					n++
					pOp := pItem.GetOperation(method)
					if pOp == nil {
						t.Errorf("%s %s lost", method, path)
						continue
					}
					if replaced[path] {
						continue // compared with its source in TestOverrides_Applied
					}
					if op.OperationID != pOp.OperationID {
						t.Errorf("%s %s: operationId %q, pruned %q", method, path, op.OperationID, pOp.OperationID)
					}
					if a, b := paramsJSON(t, item.Parameters, op.Parameters, true), paramsJSON(t, pItem.Parameters, pOp.Parameters, true); a != b {
						t.Errorf("%s %s: parameters differ\nfull:   %s\npruned: %s", method, path, a, b)
					}
				}
			}
			if got := len(pruned.doc.Paths.Map()); got != len(full.Paths.Map()) {
				t.Errorf("pruned has %d paths, full %d", got, len(full.Paths.Map()))
			}
			t.Logf("%s: %d operations identical after pruning", product, n)
		})
	}
}

// TestOverrides_Applied checks that each overridden operation of the pruned
// description has exactly the parameters of its source description.
func TestOverrides_Applied(t *testing.T) {
	for product, list := range overrides {
		for _, o := range list {
			got := Load(t, product).doc.Paths.Value(o.Path)
			want := Load(t, o.From).doc.Paths.Value(o.Path)
			for method, op := range want.Operations() {
				gotOp := got.GetOperation(method)
				if gotOp == nil {
					t.Fatalf("%s %s %s missing", product, method, o.Path)
				}
				// Descriptions differ on purpose: $refs in the GHEC path item
				// resolve to api.github.com's components, whose texts link
				// docs.github.com/rest instead of /enterprise-cloud@latest.
				if a, b := paramsJSON(t, want.Parameters, op.Parameters, false), paramsJSON(t, got.Parameters, gotOp.Parameters, false); a != b {
					t.Errorf("%s %s %s differs from %s\n%s: %s\n%s: %s", product, method, o.Path, o.From, o.From, a, product, b)
				}
			}
		}
	}
}

// TestOverrides_StillNeeded fails when @octokit/openapi stops replacing an
// operation, so the workaround is dropped rather than kept blindly: the
// published api.github.com repository code scanning list lacks the cursor
// parameters GitHub's own description (and GHEC's) has.
func TestOverrides_StillNeeded(t *testing.T) {
	for product, list := range overrides {
		testtools.Need(t, descriptionFile(product))
		for _, o := range list {
			testtools.Need(t, descriptionFile(o.From))
			pub, err := pathItem(product, o.Path)
			if err != nil {
				t.Fatal(err)
			}
			src, err := pathItem(o.From, o.Path)
			if err != nil {
				t.Fatal(err)
			}
			const after = `"#/components/parameters/pagination-after"`
			if strings.Contains(string(pub), after) || !strings.Contains(string(src), after) {
				t.Errorf("%s %s: @octokit/openapi no longer overrides it (cursor parameter present: published %v, %s %v); drop the override",
					product, o.Path, strings.Contains(string(pub), after), o.From, strings.Contains(string(src), after))
			}
		}
	}
}

func TestComponentRef(t *testing.T) {
	for _, tc := range []struct{ ref, kind, name string }{
		{"#/components/parameters/per-page", "parameters", "per-page"},
		{"#/components/schemas/a~1b~0c", "schemas", "a/b~c"},
		{"#/components/schemas/x/properties/y", "schemas", "x"},
	} {
		kind, name, ok := componentRef(tc.ref)
		if !ok || kind != tc.kind || name != tc.name {
			t.Errorf("componentRef(%q) = %q, %q, %v", tc.ref, kind, name, ok)
		}
	}
	for _, ref := range []string{"server-statistics-actions.yaml", "#/paths/x", "#/components/schemas"} {
		if _, _, ok := componentRef(ref); ok {
			t.Errorf("componentRef(%q) accepted", ref)
		}
	}
}

func TestPrune_Errors(t *testing.T) {
	for name, tc := range map[string]struct {
		spec    string
		replace map[string]json.RawMessage
		want    string
	}{
		"not json":         {spec: "{", want: "decode description"},
		"dangling ref":     {spec: `{"openapi":"3.0.3","paths":{"/a":{"get":{"parameters":[{"$ref":"#/components/parameters/nope"}]}}}}`, want: "no such component"},
		"replace unknown":  {spec: `{"openapi":"3.0.3","paths":{}}`, replace: map[string]json.RawMessage{"/x": json.RawMessage(`{}`)}, want: "not in the description"},
		"replace not json": {spec: `{"openapi":"3.0.3","paths":{"/x":{}}}`, replace: map[string]json.RawMessage{"/x": json.RawMessage(`[`)}, want: "decode replacement"},
	} {
		_, err := prune([]byte(tc.spec), tc.replace)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
}

// loadFull parses product's description as published, unpruned. For GHEC
// this also shows that its three external $refs (inside an example value) do
// not stop kin-openapi with IsExternalRefsAllowed = false.
func loadFull(t testing.TB, product string) *openapi3.T {
	t.Helper()
	testtools.Need(t, descriptionFile(product))
	b, err := os.ReadFile(descriptionFile(product))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parse(b)
	if err != nil {
		t.Fatalf("parse full %s description: %v", product, err)
	}
	return doc
}

// paramsJSON renders parameters (refs resolved one level, descriptions
// optional) for comparison.
func paramsJSON(t testing.TB, pathItem, op openapi3.Parameters, descriptions bool) string {
	t.Helper()
	type param struct {
		Name, In, Description string
		Required              bool
		Schema                *openapi3.Schema
	}
	var ps []param
	for _, l := range []openapi3.Parameters{pathItem, op} {
		for _, ref := range l {
			p := ref.Value
			var s *openapi3.Schema
			if p.Schema != nil {
				s = p.Schema.Value
			}
			desc := ""
			if descriptions {
				desc = p.Description
			}
			ps = append(ps, param{p.Name, p.In, desc, p.Required, s})
		}
	}
	b, err := json.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
