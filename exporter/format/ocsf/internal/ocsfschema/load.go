// Package ocsfschema is a small OCSF schema validator for the tests of
// exporter/format/ocsf. It reads the OCSF 1.8.0 source files (classes,
// objects, profiles, dictionary) from the reference copy beside the
// repository, ../shared/reference/ocsf/v1.8.0, combines them as the OCSF
// server does (extends with deep merge, $include of profiles, dictionary
// types and enums) and checks an event against its class: every attribute
// known (profile attributes only when metadata.profiles lists the profile),
// every type, every enum and caption sibling, every required attribute and
// the at_least_one / just_one constraints, recursively.
//
// The schema files are not copied into the repository: a missing reference
// copy fails the test that needs it (Load), it never skips.
package ocsfschema

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// Version is the OCSF version of the reference copy.
const Version = "1.8.0"

// Dir is where the reference copy is: ../shared/reference/ocsf/v1.8.0
// beside the module root (the directory holding go.mod above the current
// one, where go test runs).
func Dir() (string, error) {
	ref, err := testtools.Reference()
	if err != nil {
		return "", err
	}
	return filepath.Join(ref, "ocsf", "v"+Version), nil
}

var (
	loadOnce sync.Once
	loaded   *Schema
	loadErr  error
)

// Load returns the schema, read once per test process. It fails t (never
// skips it) when the reference copy is missing or does not load.
func Load(t testing.TB) *Schema {
	t.Helper()
	loadOnce.Do(func() {
		var dir string
		if dir, loadErr = Dir(); loadErr == nil {
			loaded, loadErr = LoadDir(dir)
		}
	})
	if loadErr != nil {
		t.Fatalf("ocsfschema: the OCSF %s reference copy is required: %v", Version, loadErr)
	}
	return loaded
}

// Schema is the combined OCSF schema of the reference copy.
type Schema struct {
	dir        string
	dict       map[string]map[string]any // dictionary attributes
	types      map[string]map[string]any // scalar types
	categories map[string]int            // category name -> uid
	catCaps    map[string]string         // category name -> caption
	files      map[string]string         // "events/<name>" or "objects/<name>" -> path
	resolved   map[string]*def
	classes    map[int]*def
	profiles   map[string]bool
	regexps    map[string]*regexp.Regexp
}

// def is a resolved class or object.
type def struct {
	Name, Caption string
	UID           int // class: category_uid*1000 + file uid
	CategoryUID   int
	Category      string
	Attrs         map[string]*Attr
	Constraints   map[string][]string
}

// Attr is an attribute of a class or object after inheritance, includes
// and the dictionary.
type Attr struct {
	Name        string
	Type        string // a *_t scalar, or an object name
	IsArray     bool
	Requirement string            // required, recommended, optional
	Profile     string            // the profile it comes from; "" for a core attribute
	Enum        map[string]string // value -> caption
	Sibling     string
	Deprecated  bool
}

// LoadDir reads and combines the schema files under dir.
func LoadDir(dir string) (*Schema, error) {
	s := &Schema{dir: dir, files: map[string]string{}, resolved: map[string]*def{}, classes: map[int]*def{},
		profiles: map[string]bool{}, regexps: map[string]*regexp.Regexp{}}
	var dict struct {
		Attributes map[string]map[string]any `json:"attributes"`
		Types      struct {
			Attributes map[string]map[string]any `json:"attributes"`
		} `json:"types"`
	}
	if err := readJSON(filepath.Join(dir, "dictionary.json"), &dict); err != nil {
		return nil, err
	}
	s.dict, s.types = dict.Attributes, dict.Types.Attributes
	var cats struct {
		Attributes map[string]struct {
			UID     int    `json:"uid"`
			Caption string `json:"caption"`
		} `json:"attributes"`
	}
	if err := readJSON(filepath.Join(dir, "categories.json"), &cats); err != nil {
		return nil, err
	}
	s.categories, s.catCaps = map[string]int{}, map[string]string{}
	for name, c := range cats.Attributes {
		s.categories[name], s.catCaps[name] = c.UID, c.Caption
	}
	for _, kind := range []string{"events", "objects", "profiles"} {
		err := filepath.WalkDir(filepath.Join(dir, kind), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
				return err
			}
			s.files[kind+"/"+strings.TrimSuffix(d.Name(), ".json")] = p
			if kind == "profiles" {
				s.profiles[strings.TrimSuffix(d.Name(), ".json")] = true
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", kind, err)
		}
	}
	// everything is resolved here, so that validating only reads
	for key := range s.files {
		if strings.HasPrefix(key, "profiles/") {
			continue
		}
		d, err := s.resolve(key)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(key, "events/") && d.UID != 0 {
			s.classes[d.UID] = d
		}
	}
	for name, t := range s.types {
		if re, ok := t["regex"].(string); ok {
			c, err := regexp.Compile(re)
			if err != nil {
				return nil, fmt.Errorf("type %s: regex: %w", name, err)
			}
			s.regexps[name] = c
		}
	}
	return s, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// raw is a class or object file as merged so far.
type raw struct {
	attrs       map[string]map[string]any
	constraints map[string][]string
	category    string
	caption     string
	name        string
	uid         int
}

var errMissing = errors.New("schema file missing")

// resolve combines the file key ("events/x" or "objects/x") with its
// parents and includes, then with the dictionary.
func (s *Schema) resolve(key string) (*def, error) {
	if d, ok := s.resolved[key]; ok {
		return d, nil
	}
	r, err := s.merged(key)
	if err != nil {
		return nil, err
	}
	d := &def{Name: r.name, Caption: r.caption, Category: r.category, Attrs: map[string]*Attr{}, Constraints: r.constraints}
	if strings.HasPrefix(key, "events/") && r.uid != 0 {
		cu, ok := s.categories[r.category]
		if !ok {
			return nil, fmt.Errorf("%s: unknown category %q", key, r.category)
		}
		d.CategoryUID, d.UID = cu, cu*1000+r.uid
	}
	for name, entry := range r.attrs {
		de, ok := s.dict[name]
		if !ok {
			return nil, fmt.Errorf("%s: attribute %s is not in the dictionary", key, name)
		}
		m := deepMerge(deepCopy(de), entry)
		a := &Attr{Name: name, Requirement: str(m["requirement"]), Sibling: str(m["sibling"])}
		a.Type = str(m["type"])
		a.IsArray, _ = m["is_array"].(bool)
		a.Profile = str(m["profile"])
		_, a.Deprecated = m["@deprecated"]
		if e, ok := m["enum"].(map[string]any); ok {
			a.Enum = map[string]string{}
			for v, c := range e {
				cm, _ := c.(map[string]any)
				a.Enum[v] = str(cm["caption"])
			}
		}
		if a.Type == "" {
			return nil, fmt.Errorf("%s: attribute %s has no type", key, name)
		}
		d.Attrs[name] = a
	}
	if d.UID != 0 {
		// as the OCSF server does: a class's class_uid and category_uid
		// enums hold its own ids (base_event's hold only 0)
		for name, id := range map[string]int{"class_uid": d.UID, "category_uid": d.CategoryUID} {
			a := *d.Attrs[name]
			caption := d.Caption
			if name == "category_uid" {
				caption = s.catCaps[r.category]
			}
			a.Enum = map[string]string{strconv.Itoa(id): caption}
			d.Attrs[name] = &a
		}
	}
	s.resolved[key] = d
	return d, nil
}

func (s *Schema) merged(key string) (*raw, error) {
	path, ok := s.files[key]
	if !ok {
		return nil, fmt.Errorf("%w: %s", errMissing, key)
	}
	var f struct {
		Name        string                     `json:"name"`
		Caption     string                     `json:"caption"`
		Extends     string                     `json:"extends"`
		Category    string                     `json:"category"`
		UID         int                        `json:"uid"`
		Attributes  map[string]json.RawMessage `json:"attributes"`
		Constraints map[string][]string        `json:"constraints"`
	}
	if err := readJSON(path, &f); err != nil {
		return nil, err
	}
	r := &raw{attrs: map[string]map[string]any{}, constraints: map[string][]string{}}
	if f.Extends != "" {
		kind := key[:strings.IndexByte(key, '/')]
		p, err := s.merged(kind + "/" + f.Extends)
		if err != nil {
			return nil, fmt.Errorf("%s extends %s: %w", key, f.Extends, err)
		}
		r = p
	}
	r.name, r.caption, r.uid = f.Name, f.Caption, f.UID
	if f.Category != "" {
		r.category = f.Category
	}
	if inc, ok := f.Attributes["$include"]; ok {
		var paths []string
		if err := json.Unmarshal(inc, &paths); err != nil {
			return nil, fmt.Errorf("%s: $include: %w", key, err)
		}
		for _, p := range paths {
			var pf struct {
				Name       string                    `json:"name"`
				Attributes map[string]map[string]any `json:"attributes"`
			}
			if err := readJSON(filepath.Join(s.dir, p), &pf); err != nil {
				return nil, fmt.Errorf("%s: $include: %w", key, err)
			}
			for name, e := range pf.Attributes {
				e = deepCopy(e)
				e["profile"] = pf.Name
				r.attrs[name] = deepMerge(r.attrs[name], e)
			}
		}
	}
	for name, rawEntry := range f.Attributes {
		if name == "$include" {
			continue
		}
		var e map[string]any
		if err := json.Unmarshal(rawEntry, &e); err != nil {
			return nil, fmt.Errorf("%s: attribute %s: %w", key, name, err)
		}
		r.attrs[name] = deepMerge(r.attrs[name], e)
	}
	for k, v := range f.Constraints {
		r.constraints[k] = v
	}
	return r, nil
}

// deepMerge merges src over dst: maps key by key, anything else src wins
// (a null included, which is how a class turns a profile attribute into a
// core one).
func deepMerge(dst, src map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	} else {
		dst = deepCopy(dst)
	}
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				dst[k] = deepMerge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}

func deepCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if vm, ok := v.(map[string]any); ok {
			v = deepCopy(vm)
		}
		out[k] = v
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// Class is the resolved class with class_uid uid, or nil.
func (s *Schema) Class(uid int) *Class {
	d := s.classes[uid]
	if d == nil {
		return nil
	}
	return &Class{d: d}
}

// Class is one event class after inheritance.
type Class struct{ d *def }

// Name is the class's caption, e.g. "Vulnerability Finding".
func (c *Class) Name() string { return c.d.Caption }

// Attr is the class's attribute name, or nil.
func (c *Class) Attr(name string) *Attr { return c.d.Attrs[name] }

// Required lists the class's required attributes with profiles applied,
// sorted.
func (c *Class) Required(profiles ...string) []string {
	var out []string
	for name, a := range c.d.Attrs {
		if a.Requirement == "required" && (a.Profile == "" || contains(profiles, a.Profile)) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Constraints are the class's at_least_one / just_one constraints.
func (c *Class) Constraints() map[string][]string { return c.d.Constraints }

// Object is the resolved object name, or nil.
func (s *Schema) Object(name string) *Class {
	d := s.resolved["objects/"+name]
	if d == nil {
		return nil
	}
	return &Class{d: d}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
