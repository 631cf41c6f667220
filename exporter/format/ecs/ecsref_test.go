package ecs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// The ECS field definitions the documents are checked against: ECS's own
// ecs_flat.yml, from the reference copy beside the repository
// (../shared/reference/ecs, next to the module root). It is not copied
// into the repository; without it the tests fail rather than skip.

// ecsField is one field of ecs_flat.yml.
type ecsField struct {
	Type          string   `yaml:"type"`
	Normalize     []string `yaml:"normalize"`
	AllowedValues []struct {
		Name               string   `yaml:"name"`
		ExpectedEventTypes []string `yaml:"expected_event_types"`
	} `yaml:"allowed_values"`
}

func (f ecsField) array() bool { return slices.Contains(f.Normalize, "array") }

var ecsRef = sync.OnceValues(func() (map[string]ecsField, error) {
	ref, err := testtools.Reference()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(ref, "ecs", "v"+Version, "ecs_flat.yml")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the ECS field definitions (the reference copy beside the repository): %w", err)
	}
	var fields map[string]ecsField
	if err := yaml.Unmarshal(b, &fields); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if len(fields) < 2000 || fields["event.kind"].Type == "" {
		return nil, fmt.Errorf("%s holds %d fields, not ECS's flat field definitions", path, len(fields))
	}
	return fields, nil
})

// loadECS returns ECS's fields by flat name, failing t when they cannot be read.
func loadECS(t testing.TB) map[string]ecsField {
	t.Helper()
	fields, err := ecsRef()
	if err != nil {
		t.Fatal(err)
	}
	return fields
}

// allowed is the names ECS allows for field, nil when it constrains none.
func allowed(f ecsField) []string {
	var names []string
	for _, v := range f.AllowedValues {
		names = append(names, v.Name)
	}
	return names
}

// expectedTypes is event.category's expected_event_types by category.
func expectedTypes(fields map[string]ecsField) map[string][]string {
	out := map[string][]string{}
	for _, v := range fields["event.category"].AllowedValues {
		out[v.Name] = v.ExpectedEventTypes
	}
	return out
}

// checker validates documents against ECS and remembers the JSON type
// every custom (github.*) field had, so two documents giving one field two
// types (a mapping conflict in Elasticsearch) are caught.
type checker struct {
	fields map[string]ecsField
	custom map[string]string // github.* leaf path -> JSON type
	seen   map[string]bool   // every field path written, for coverage
}

func newChecker(t testing.TB) *checker {
	return &checker{fields: loadECS(t), custom: map[string]string{}, seen: map[string]bool{}}
}

// check returns what is wrong with doc, nil when nothing is.
func (c *checker) check(doc []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return []string{"not a JSON object: " + err.Error()}
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	c.walk("", m, bad)
	for _, req := range []string{"@timestamp", "ecs.version", "event.kind", "event.category", "event.type",
		"event.action", "event.id", "event.created", "event.dataset", "event.module", "github.source", "github.origin"} {
		if lookup(m, req) == nil {
			bad("%s missing", req)
		}
	}
	if v, _ := lookup(m, "ecs.version").(string); v != Version {
		bad("ecs.version %q, want %q", v, Version)
	}
	problems = append(problems, c.pairing(m)...)
	return problems
}

// walk checks every member of obj, whose path is prefix.
func (c *checker) walk(prefix string, obj map[string]any, bad func(string, ...any)) {
	for k, v := range obj {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		if strings.Contains(k, ".") {
			bad("%s: a dotted key (write nested objects)", p)
			continue
		}
		if p == "github" || strings.HasPrefix(p, "github.") {
			c.walkCustom(p, v, bad)
			continue
		}
		c.seen[p] = true
		if f, ok := c.fields[p]; ok {
			c.value(p, f, v, bad)
			continue
		}
		sub, isObj := v.(map[string]any)
		if !isObj || !c.hasPrefix(p+".") {
			bad("%s: not an ECS field (custom fields go under github.*)", p)
			continue
		}
		c.walk(p, sub, bad)
	}
}

func (c *checker) hasPrefix(prefix string) bool {
	for name := range c.fields {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// walkCustom records the JSON type of github.* leaves. GitHub's own
// objects (github.audit, github.raw) vary by action and are meant to be
// mapped as one flattened field, so they are not walked.
func (c *checker) walkCustom(p string, v any, bad func(string, ...any)) {
	c.seen[p] = true
	if p == "github.audit" || p == "github.raw" {
		if _, ok := v.(map[string]any); !ok && p == "github.raw" {
			bad("%s: %T, want an object", p, v)
		}
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for k, sub := range x {
			c.walkCustom(p+"."+k, sub, bad)
		}
		return
	case []any:
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				for k, sub := range m {
					c.walkCustom(p+"."+k, sub, bad)
				}
				continue
			}
			c.leaf(p, e, bad)
		}
		return
	}
	c.leaf(p, v, bad)
}

func (c *checker) leaf(p string, v any, bad func(string, ...any)) {
	typ := jsonType(v)
	if was, ok := c.custom[p]; ok && was != typ {
		bad("%s: %s here, %s in another document (a mapping conflict)", p, typ, was)
	}
	c.custom[p] = typ
}

func jsonType(v any) string {
	switch x := v.(type) {
	case string:
		if _, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return "date"
		}
		return "string"
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// value checks v against ECS field f: array or single value, type, allowed values.
func (c *checker) value(p string, f ecsField, v any, bad func(string, ...any)) {
	if list, ok := v.([]any); ok && f.Type != "nested" {
		if !f.array() {
			bad("%s: an array; ECS expects one value", p)
			return
		}
		if len(list) == 0 {
			bad("%s: an empty array", p)
		}
		for _, e := range list {
			c.scalar(p, f, e, bad)
		}
		return
	}
	if f.array() {
		bad("%s: %v is not an array; ECS normalizes it to one", p, v)
		return
	}
	c.scalar(p, f, v, bad)
}

func (c *checker) scalar(p string, f ecsField, v any, bad func(string, ...any)) {
	ok := false
	switch f.Type {
	case "keyword", "wildcard", "constant_keyword", "match_only_text", "text":
		s, isStr := v.(string)
		ok = isStr && s != ""
	case "long", "integer", "short", "byte", "unsigned_long":
		n, isNum := v.(json.Number)
		if isNum {
			_, err := n.Int64()
			ok = err == nil
		}
	case "float", "double", "scaled_float", "half_float":
		_, ok = v.(json.Number)
	case "boolean":
		_, ok = v.(bool)
	case "date":
		s, isStr := v.(string)
		if isStr {
			_, err := time.Parse(time.RFC3339Nano, s)
			ok = err == nil
		}
	case "ip":
		s, isStr := v.(string)
		if isStr {
			_, err := netip.ParseAddr(s)
			ok = err == nil
		}
	case "object", "flattened":
		_, ok = v.(map[string]any)
	case "nested":
		list, isList := v.([]any)
		ok = isList
		for _, e := range list {
			if _, isObj := e.(map[string]any); !isObj {
				ok = false
			}
		}
	default:
		bad("%s: ECS type %s, which the checker does not know", p, f.Type)
		return
	}
	if !ok {
		bad("%s: %#v is not a valid %s", p, v, f.Type)
		return
	}
	if names := allowed(f); names != nil && !slices.Contains(names, fmt.Sprint(v)) {
		bad("%s: %v is not one of ECS's allowed values %v", p, v, names)
	}
}

// pairing checks event.type against event.category: every type is one
// that some category of the document expects (ECS's
// expected_event_types), and every category gets a type it expects. Audit
// records are held to the first rule only: they carry the categorization
// of Elastic's own github.audit pipeline, whose "web" category is paired
// with types only "configuration" and "iam" expect.
func (c *checker) pairing(m map[string]any) []string {
	var out []string
	expected := expectedTypes(c.fields)
	cats, types := strList(lookup(m, "event.category")), strList(lookup(m, "event.type"))
	union := map[string]bool{}
	for _, cat := range cats {
		for _, t := range expected[cat] {
			union[t] = true
		}
	}
	for _, t := range types {
		if !union[t] {
			out = append(out, fmt.Sprintf("event.type %s is expected by none of event.category %v", t, cats))
		}
	}
	if lookup(m, "event.dataset") == module+".audit" {
		return out
	}
	for _, cat := range cats {
		if !slices.ContainsFunc(types, func(t string) bool { return slices.Contains(expected[cat], t) }) {
			out = append(out, fmt.Sprintf("event.category %s gets none of its expected types %v (types %v)", cat, expected[cat], types))
		}
	}
	return out
}

func strList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// lookup is the value at a dotted path of m, nil when absent.
func lookup(m map[string]any, path string) any {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = obj[k]
	}
	return cur
}

// sortedKeys is m's keys in order, for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestECSReference_Loads(t *testing.T) {
	fields := loadECS(t)
	for _, name := range []string{"@timestamp", "ecs.version", "event.kind", "event.category", "event.type", "vulnerability.id", "url.full"} {
		if _, ok := fields[name]; !ok {
			t.Errorf("%s missing from the ECS definitions", name)
		}
	}
	// github.* is ours only while ECS defines nothing there
	for name := range fields {
		if name == "github" || strings.HasPrefix(name, "github.") {
			t.Errorf("ECS defines %s: custom fields under github.* would collide", name)
		}
	}
}
