package format_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
	"go.yaml.in/yaml/v3"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// The detection content security teams run on GitHub's audit-log stream
// (Splunk ESCU, SigmaHQ, Panther) is read from ../shared/reference beside
// the repository ($GHSEC_REFERENCE_DIR overrides), not copied into it;
// these tests fail, not skip, without it.

func referenceDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("GHSEC_REFERENCE_DIR"); d != "" {
		return d
	}
	ref, err := testtools.Reference()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ref, "detections")); err != nil {
		t.Fatalf("the reference detections are missing (%v): put them at %s or set GHSEC_REFERENCE_DIR", err, ref)
	}
	return ref
}

// sampleEntries are GitHub audit entries: GitHub's documented examples,
// the entries behind the detection samples, and formattest's.
func sampleEntries(t testing.TB) []string {
	ref := referenceDir(t)
	out := slices.Clone(formattest.Entries)
	b, err := os.ReadFile(filepath.Join(ref, "detections", "samples", "roundtrip-raw.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, strings.Split(strings.TrimSpace(string(b)), "\n")...)
	var docs []map[string]any
	b, err = os.ReadFile(filepath.Join(ref, "github", "audit-log", "samples", "ghec-get-audit-log.200.example.json"))
	if err != nil || json.Unmarshal(b, &docs) != nil || len(docs) == 0 {
		t.Fatalf("GHEC audit-log sample: %v", err)
	}
	for _, d := range docs {
		e, _ := json.Marshal(d)
		out = append(out, string(e))
	}
	return out
}

// bodies renders entry in every way a sink ships it with audit_body:
// entry, decoded as a SIEM's JSON extraction sees it, keyed by mode.
func bodies(t testing.TB, e string) map[string]map[string]any {
	rec := formattest.AuditRecord(e, observed)
	b, back := stored(t, rec)
	out := map[string]map[string]any{}
	add := func(mode string, body []byte, err error) {
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		var v map[string]any
		d := json.NewDecoder(strings.NewReader(string(body)))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			t.Fatalf("%s: not a JSON object: %v\n%s", mode, err, body)
		}
		out[mode] = v
	}
	full, err := format.Render(&back, b, entry)
	add("entry+_ghsec (file, splunk_cloud_services, rfc3164)", full, err)
	bare, _, err := format.RenderBody(&back, b, entry)
	add("entry (splunk_hec, rfc5424)", bare, err)
	return out
}

// flatten names every leaf as Splunk's JSON extraction (and Panther's,
// Elastic's) does: nested objects by dotted path.
func flatten(v map[string]any, prefix string, out map[string]any) map[string]any {
	for k, x := range v {
		if o, ok := x.(map[string]any); ok {
			flatten(o, prefix+k+".", out)
			continue
		}
		out[prefix+k] = x
	}
	return out
}

type escuSearch struct {
	name   string
	where  map[string]string // field=value terms before the first pipe
	fields []string          // where and BY fields
}

var (
	escuBy    = regexp.MustCompile(`(?is)\bby\s+(.*?)\|`)
	escuWhere = regexp.MustCompile(`([A-Za-z_.]+)=("[^"]*"|\S+)`)
)

func escuSearches(t testing.TB) []escuSearch {
	files, _ := filepath.Glob(filepath.Join(referenceDir(t), "detections", "escu", "detections", "github_*.yml"))
	if len(files) == 0 {
		t.Fatal("no ESCU GitHub detections")
	}
	var out []escuSearch
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Search string `yaml:"search"`
		}
		if err := yaml.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		s := escuSearch{name: filepath.Base(f), where: map[string]string{}}
		for _, m := range escuWhere.FindAllStringSubmatch(strings.SplitN(d.Search, "|", 2)[0], -1) {
			s.where[m[1]] = strings.Trim(m[2], `"`)
			s.fields = append(s.fields, m[1])
		}
		m := escuBy.FindStringSubmatch(d.Search)
		if m == nil || len(s.where) == 0 {
			t.Fatalf("%s: no BY clause or no search terms in %q", s.name, d.Search)
		}
		for _, f := range strings.Split(m[1], ",") {
			s.fields = append(s.fields, strings.TrimSpace(f))
		}
		out = append(out, s)
	}
	return out
}

// escuField is the entry field an ESCU field reads: vendor_action is the
// Splunk Add-on for GitHub's alias of action (sourcetype
// github:cloud:audit); every other is the entry's own.
func escuField(f string) string {
	if f == "vendor_action" {
		return "action"
	}
	return f
}

// Every field an ESCU GitHub search filters on or groups BY is, in an
// entry body, where GitHub's stream has it: at the top level, with GitHub's
// value, for every sample entry that has it; our metadata adds only
// _ghsec, which no search reads. And a search's terms match an entry
// body of its action.
func TestESCU_FieldsAtTopLevelOfEntryBody(t *testing.T) {
	searches := escuSearches(t)
	covered := map[string]bool{}
	for _, e := range sampleEntries(t) {
		var ev map[string]any
		d := json.NewDecoder(strings.NewReader(e))
		d.UseNumber()
		if err := d.Decode(&ev); err != nil {
			t.Fatal(err)
		}
		want := flatten(ev, "", map[string]any{})
		for mode, body := range bodies(t, e) {
			got := flatten(body, "", map[string]any{})
			for k := range got {
				if strings.HasPrefix(k, format.MetaKey+".") {
					delete(got, k)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s: the body's fields are not the entry's\n got %v\nwant %v", mode, got, want)
			}
			for _, s := range searches {
				for _, f := range s.fields {
					if strings.HasPrefix(f, format.MetaKey) {
						t.Fatalf("%s reads %s", s.name, f)
					}
					if v, ok := want[escuField(f)]; ok {
						covered[f] = true
						if fmt.Sprint(got[escuField(f)]) != fmt.Sprint(v) {
							t.Errorf("%s: %s's field %s = %v, want %v", mode, s.name, f, got[escuField(f)], v)
						}
					}
				}
			}
		}
	}
	// each search's terms, on an entry of its action (the richest sample
	// entry, GHES's, with the search's values)
	for _, s := range searches {
		var ev map[string]any
		_ = json.Unmarshal([]byte(formattest.Entries[0]), &ev)
		for f, v := range s.where {
			ev[escuField(f)] = v
		}
		e, _ := json.Marshal(ev)
		for mode, body := range bodies(t, string(e)) {
			for f, v := range s.where {
				if body[escuField(f)] != v {
					t.Errorf("%s: %s: %s=%q does not match %v", s.name, mode, f, v, body[escuField(f)])
				}
			}
		}
	}
	var missing []string
	for _, s := range searches {
		for _, f := range s.fields {
			if !covered[f] && !slices.Contains(missing, f) {
				missing = append(missing, f)
			}
		}
	}
	// reason (audit_log_streaming.update) is in none of the samples
	if slices.Sort(missing); strings.Join(missing, ",") != "reason" {
		t.Errorf("ESCU fields no sample entry has: %v (want only reason)", missing)
	}
}

// SigmaHQ's GitHub audit rules read action alone: every value they match
// is the action of our audit record of that event in every mode: the
// normalized record (where the reference Sigma config also selects
// category: audit) and the entry, as each sink ships it.
func TestSigma_ActionInEveryMode(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(referenceDir(t), "detections", "sigma-github", "audit", "*.yml"))
	if len(files) == 0 {
		t.Fatal("no Sigma GitHub rules")
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Detection map[string]any `yaml:"detection"`
		}
		if err := yaml.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		for key, sel := range r.Detection {
			m, ok := sel.(map[string]any)
			if key == "condition" || !ok {
				continue
			}
			for field, vals := range m {
				name, modifier, _ := strings.Cut(field, "|")
				if name != "action" {
					t.Fatalf("%s reads %s, not action", filepath.Base(f), field)
				}
				var list []string
				switch v := vals.(type) {
				case string:
					list = []string{v}
				case []any:
					for _, x := range v {
						list = append(list, fmt.Sprint(x))
					}
				}
				for _, v := range list {
					n++
					checkSigmaAction(t, filepath.Base(f), modifier, v)
				}
			}
		}
	}
	if n < 15 {
		t.Errorf("only %d action values in the Sigma rules", n)
	}
}

func checkSigmaAction(t *testing.T, rule, modifier, v string) {
	t.Helper()
	action := v // for |contains too: the action containing v is v itself
	e, _ := json.Marshal(map[string]any{"@timestamp": 1767603600000, "_document_id": "sigma-" + action, "action": action, "actor": "octocat", "org": "acme"})
	rec := formattest.AuditRecord(string(e), observed)
	b, _ := stored(t, rec)
	var normalized map[string]any
	if err := json.Unmarshal(b, &normalized); err != nil {
		t.Fatal(err)
	}
	modes := bodies(t, string(e))
	modes["record"] = normalized
	if normalized["category"] != string(exporter.CategoryAudit) {
		t.Errorf("%s: the record's category is %v", rule, normalized["category"])
	}
	for mode, body := range modes {
		got, _ := body["action"].(string)
		ok := got == v
		if modifier == "contains" {
			ok = strings.Contains(got, v)
		}
		if !ok {
			t.Errorf("%s: %s: action %q does not match %s|%s", rule, mode, got, v, modifier)
		}
	}
}

// Panther's GitHub.Audit rules read the entry's own keys: every key of
// every log in Panther's rule tests is, in an entry body, at the top level
// with its value.
func TestPanther_EntryKeysUnchanged(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(referenceDir(t), "detections", "samples", "panther-samples.json"))
	if err != nil {
		t.Fatal(err)
	}
	var samples []struct {
		Rule string         `json:"rule"`
		Log  map[string]any `json:"log"`
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if err := d.Decode(&samples); err != nil || len(samples) == 0 {
		t.Fatalf("panther samples: %v", err)
	}
	for _, s := range samples {
		e, _ := json.Marshal(s.Log)
		for mode, body := range bodies(t, string(e)) {
			for k, v := range s.Log {
				if fmt.Sprint(body[k]) != fmt.Sprint(v) {
					t.Errorf("%s: %s: %s = %v, want %v", s.Rule, mode, k, body[k], v)
				}
			}
		}
	}
}
