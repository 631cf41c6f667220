package content

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// escuDetection is one of ESCU's GitHub detections: its search, the macro
// it starts with, its filter terms and the fields its stats group BY.
type escuDetection struct {
	Name, Search, Macro string
	// Filter maps each field the search's terms name to the first value
	// they give it, e.g. action → repo.destroy.
	Filter map[string]string
	By     []string
}

var (
	escuHead   = regexp.MustCompile("^\\s*`(github_enterprise|github_organizations)`\\s*([^|]*)")
	escuTerm   = regexp.MustCompile(`([A-Za-z_.]+)=("[^"]*"|\S+)`)
	escuBy     = regexp.MustCompile(`(?is)\|\s*stats\b.*?\bBY\b(.*?)(\||$)`)
	escuByName = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_.]*`)
)

// escuFields are the fields ESCU's GitHub detections group by or filter on.
func escuFields(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	dets, _ := escuDetections(t)
	for _, d := range dets {
		for _, f := range d.By {
			out[f] = true
		}
		for f := range d.Filter {
			out[f] = true
		}
	}
	return out
}

// escuDetections reads ESCU's GitHub detections from the shared reference
// (copied unchanged from splunk/security_content) and their two macros.
func escuDetections(t *testing.T) ([]escuDetection, map[string]string) {
	t.Helper()
	dir := filepath.Join(reference, "detections/escu")
	files, err := filepath.Glob(filepath.Join(dir, "detections/*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no ESCU detections under %s (the shared reference material is missing): %v", dir, err)
	}
	var out []escuDetection
	for _, f := range files {
		var d struct {
			Name   string `yaml:"name"`
			Search string `yaml:"search"`
		}
		readYAML(t, f, &d)
		head := escuHead.FindStringSubmatch(d.Search)
		if head == nil {
			t.Fatalf("%s: the search does not start with a GitHub macro: %q", f, d.Search)
		}
		det := escuDetection{Name: d.Name, Search: d.Search, Macro: head[1], Filter: map[string]string{}}
		for _, m := range escuTerm.FindAllStringSubmatch(head[2], -1) {
			if _, ok := det.Filter[m[1]]; !ok {
				det.Filter[m[1]] = strings.Trim(m[2], `"`)
			}
		}
		by := escuBy.FindStringSubmatch(d.Search)
		if by == nil {
			t.Fatalf("%s: no stats … BY in %q", f, d.Search)
		}
		det.By = escuByName.FindAllString(by[1], -1)
		if len(det.Filter) == 0 || len(det.By) == 0 {
			t.Fatalf("%s: filter %v, BY %v", f, det.Filter, det.By)
		}
		out = append(out, det)
	}
	macros := map[string]string{}
	for _, m := range []string{"github_enterprise", "github_organizations"} {
		var d struct {
			Definition string `yaml:"definition"`
		}
		readYAML(t, filepath.Join(dir, "macros", m+".yml"), &d)
		macros[m] = d.Definition
	}
	return out, macros
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// escuMacrosOnAddon are ESCU's two macros set as docs/splunk.md says; its
// others (security_content_ctime, each detection's _filter) come after the
// stats the tests stop at.
var escuMacrosOnAddon = map[string]string{
	"github_enterprise":    "`ghsec_github_enterprise`",
	"github_organizations": "`ghsec_github_organizations`",
	"*":                    "",
}
