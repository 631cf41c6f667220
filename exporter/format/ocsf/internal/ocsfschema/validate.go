package ocsfschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Validate checks one event (JSON) against its class and returns every
// problem found, each naming the attribute's path; none means valid.
func (s *Schema) Validate(event []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var ev map[string]any
	if err := dec.Decode(&ev); err != nil {
		return []string{"not a JSON object: " + err.Error()}
	}
	v := &validator{s: s}
	classUID, ok := intOf(ev["class_uid"])
	d := s.classes[int(classUID)]
	if !ok || d == nil {
		return []string{fmt.Sprintf("class_uid %v: no such class", ev["class_uid"])}
	}
	if md, ok := ev["metadata"].(map[string]any); ok {
		if ps, ok := md["profiles"].([]any); ok {
			for _, p := range ps {
				name, _ := p.(string)
				if !s.profiles[name] {
					v.errorf("metadata.profiles", "unknown profile %q", name)
				}
				v.profiles = append(v.profiles, name)
			}
		}
		if md["version"] != Version {
			v.errorf("metadata.version", "is %v, want %q", md["version"], Version)
		}
	}
	v.classification(d, ev)
	v.object("", d, ev)
	sort.Strings(v.problems)
	return v.problems
}

type validator struct {
	s        *Schema
	profiles []string
	problems []string
}

func (v *validator) errorf(path, format string, args ...any) {
	v.problems = append(v.problems, path+": "+fmt.Sprintf(format, args...))
}

// classification checks the ids OCSF computes: category_uid, class_uid,
// type_uid = class_uid*100 + activity_id, and the captions beside them.
func (v *validator) classification(d *def, ev map[string]any) {
	cat, _ := intOf(ev["category_uid"])
	if int(cat) != d.CategoryUID {
		v.errorf("category_uid", "is %v, want %d for class %d", ev["category_uid"], d.CategoryUID, d.UID)
	}
	act, _ := intOf(ev["activity_id"])
	if tu, _ := intOf(ev["type_uid"]); tu != int64(d.UID)*100+act {
		v.errorf("type_uid", "is %v, want %d", ev["type_uid"], int64(d.UID)*100+act)
	}
	if n, ok := ev["class_name"]; ok && n != d.Caption {
		v.errorf("class_name", "is %v, want %q", n, d.Caption)
	}
	if n, ok := ev["type_name"]; ok {
		want := d.Caption + ": " + d.Attrs["activity_id"].Enum[strconv.FormatInt(act, 10)]
		if n != want {
			v.errorf("type_name", "is %v, want %q", n, want)
		}
	}
	if n, ok := ev["category_name"]; ok {
		if want := v.categoryCaption(d.Category); n != want {
			v.errorf("category_name", "is %v, want %q", n, want)
		}
	}
}

func (v *validator) categoryCaption(name string) string { return v.s.catCaps[name] }

// object checks the attributes of one object (or the event) against d.
func (v *validator) object(path string, d *def, obj map[string]any) {
	at := func(name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	datetime := contains(v.profiles, "datetime")
	for name, val := range obj {
		a := d.Attrs[name]
		if a == nil && datetime && strings.HasSuffix(name, "_dt") {
			if base := d.Attrs[strings.TrimSuffix(name, "_dt")]; base != nil && base.Type == "timestamp_t" {
				a = &Attr{Name: name, Type: "datetime_t", IsArray: base.IsArray}
			}
		}
		if a == nil {
			v.errorf(at(name), "attribute_unknown in %s", d.Name)
			continue
		}
		if a.Profile != "" && !contains(v.profiles, a.Profile) {
			v.errorf(at(name), "attribute_unknown: belongs to profile %q, which metadata.profiles does not list", a.Profile)
			continue
		}
		if a.Deprecated {
			v.errorf(at(name), "deprecated")
		}
		if a.IsArray {
			list, ok := val.([]any)
			if !ok {
				v.errorf(at(name), "is %T, want an array", val)
				continue
			}
			for i, e := range list {
				v.value(fmt.Sprintf("%s[%d]", at(name), i), a, e)
			}
			continue
		}
		v.value(at(name), a, val)
	}
	for name, a := range d.Attrs {
		if a.Requirement != "required" || a.Profile != "" && !contains(v.profiles, a.Profile) {
			continue
		}
		if val, ok := obj[name]; !ok || val == nil {
			v.errorf(at(name), "required in %s, missing", d.Name)
		}
	}
	for kind, names := range d.Constraints {
		n := 0
		for _, name := range names {
			if val, ok := obj[name]; ok && val != nil {
				n++
			}
		}
		switch kind {
		case "at_least_one":
			if n == 0 {
				v.errorf(orRoot(path), "%s: at_least_one of %v, none present", d.Name, names)
			}
		case "just_one":
			if n != 1 {
				v.errorf(orRoot(path), "%s: just_one of %v, %d present", d.Name, names, n)
			}
		default:
			v.errorf(orRoot(path), "%s: unknown constraint %s", d.Name, kind)
		}
	}
	// a caption beside its id: the enum's caption, or the source's label
	// when the id is 99 (Other)
	for name, a := range d.Attrs {
		if a.Sibling == "" || a.Enum == nil {
			continue
		}
		id, ok := obj[name]
		if !ok {
			continue
		}
		key := fmt.Sprint(id)
		sib, has := obj[a.Sibling]
		switch {
		case key == "99" && !has:
			v.errorf(at(a.Sibling), "%s is 99 (Other): the sibling must carry the source's value", name)
		case key != "99" && has && sib != a.Enum[key]:
			v.errorf(at(a.Sibling), "is %v, want %q (caption of %s %s)", sib, a.Enum[key], name, key)
		}
	}
}

func orRoot(path string) string {
	if path == "" {
		return "(event)"
	}
	return path
}

// value checks one (non-array) value of attribute a.
func (v *validator) value(path string, a *Attr, val any) {
	if val == nil {
		v.errorf(path, "null")
		return
	}
	if obj := v.s.objectDef(a.Type); obj != nil {
		m, ok := val.(map[string]any)
		if !ok {
			v.errorf(path, "is %T, want object %s", val, a.Type)
			return
		}
		if a.Type != "object" { // "object" is free-form (unmapped)
			v.object(path, obj, m)
		}
		return
	}
	t, ok := v.s.types[a.Type]
	if !ok {
		v.errorf(path, "type %s is neither a scalar type nor an object", a.Type)
		return
	}
	base := a.Type
	if b := str(t["type"]); b != "" {
		base = b
	}
	switch base {
	case "string_t":
		s, ok := val.(string)
		if !ok {
			v.errorf(path, "is %T, want a string (%s)", val, a.Type)
			return
		}
		if re := v.s.regexps[a.Type]; re != nil && !re.MatchString(s) {
			v.errorf(path, "%q does not match %s", s, a.Type)
		}
		if ml, ok := t["max_len"].(float64); ok && float64(len(s)) > ml {
			v.errorf(path, "longer than %v", ml)
		}
	case "integer_t", "long_t":
		n, ok := intOf(val)
		if !ok {
			v.errorf(path, "is %v, want an integer (%s)", val, a.Type)
			return
		}
		if base == "integer_t" && (n < math.MinInt32 || n > math.MaxInt32) {
			v.errorf(path, "%d out of the integer range", n)
		}
		if r, ok := t["range"].([]any); ok && len(r) == 2 {
			lo, _ := r[0].(float64)
			hi, _ := r[1].(float64)
			if float64(n) < lo || float64(n) > hi {
				v.errorf(path, "%d outside %v", n, r)
			}
		}
	case "float_t":
		if _, ok := val.(json.Number); !ok {
			v.errorf(path, "is %T, want a number", val)
		}
	case "boolean_t":
		if _, ok := val.(bool); !ok {
			v.errorf(path, "is %T, want a boolean", val)
		}
	case "json_t":
	default:
		v.errorf(path, "unknown scalar type %s", base)
	}
	if a.Enum != nil {
		if _, ok := a.Enum[fmt.Sprint(val)]; !ok {
			v.errorf(path, "%v is not in the enum %v", val, enumKeys(a.Enum))
		}
	}
}

func (s *Schema) objectDef(name string) *def { return s.resolved["objects/"+name] }

func intOf(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

func enumKeys(e map[string]string) []string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
