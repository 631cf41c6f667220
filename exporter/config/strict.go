package config

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// StrictDecode decodes node into v (a pointer to a struct with yaml tags),
// failing on any key v does not declare and on any value of the wrong type.
// Errors are *FieldError naming the key's path below the node (e.g.
// "github.tokn") and, for a type error, the type expected; all of them are
// returned, joined. An unknown key's error lists every known key, with
// also: the keys of node's mapping that the caller took out and decoded
// itself (a sink entry's name and type).
func StrictDecode(node *yaml.Node, v any, also ...string) error {
	if node == nil {
		return nil
	}
	if node.Kind == yaml.DocumentNode && len(node.Content) == 1 {
		node = node.Content[0]
	}
	var errs []error
	checkKnown(node, reflect.TypeOf(v), "", also, &errs)
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if err := node.Decode(v); err != nil {
		return YAMLError(err)
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var (
	nodeType     = reflect.TypeOf(yaml.Node{})
	durationType = reflect.TypeOf(Duration(0))
)

// isNull reports whether node is YAML's null, which decoding skips (the
// default stays).
func isNull(node *yaml.Node) bool {
	return node.Kind == yaml.ScalarNode && node.ShortTag() == "!!null"
}

// checkKnown walks node along Go type t, appending an error for each
// unknown key and each value that does not fit its field's type.
func checkKnown(node *yaml.Node, t reflect.Type, path string, also []string, errs *[]error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if node.Kind == yaml.AliasNode && node.Alias != nil {
		node = node.Alias
	}
	if t == nodeType || isNull(node) {
		return
	}
	where := path
	if where == "" {
		where = "(document)"
	}
	want := func(shape string) {
		*errs = append(*errs, &FieldError{Path: where, Value: nodeValue(node), Msg: fmt.Sprintf("must be %s (line %d)", shape, node.Line)})
	}
	switch t.Kind() {
	case reflect.Struct:
		if node.Kind != yaml.MappingNode {
			want("a mapping of keys")
			return
		}
		if _, ok := reflect.New(t).Interface().(yaml.Unmarshaler); ok {
			return // the type decodes itself (and checks its own keys)
		}
		fields := yamlFields(t)
		seen := map[string]int{}
		for i := 0; i+1 < len(node.Content); i += 2 {
			k, val := node.Content[i], node.Content[i+1]
			if dupKey(k, seen, path, errs) {
				continue
			}
			ft, ok := fields[k.Value]
			if k.Kind != yaml.ScalarNode {
				ok = false
			}
			if !ok {
				known := append(slices.Collect(maps.Keys(fields)), also...)
				slices.Sort(known)
				*errs = append(*errs, &FieldError{Path: join(path, keyName(k)), Msg: fmt.Sprintf("unknown key (line %d); known keys: %s", k.Line, strings.Join(known, ", "))})
				continue
			}
			checkKnown(val, ft, join(path, k.Value), nil, errs)
		}
		return
	case reflect.Slice:
		if node.Kind != yaml.SequenceNode {
			want("a list")
			return
		}
		for i, c := range node.Content {
			checkKnown(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), nil, errs)
		}
		return
	case reflect.Map:
		if node.Kind != yaml.MappingNode {
			want("a mapping")
			return
		}
		seen := map[string]int{}
		for i := 0; i+1 < len(node.Content); i += 2 {
			if !dupKey(node.Content[i], seen, path, errs) {
				checkKnown(node.Content[i+1], t.Elem(), join(path, keyName(node.Content[i])), nil, errs)
			}
		}
		return
	}
	// a scalar field: decode it alone to learn whether it fits
	if node.Kind != yaml.ScalarNode || node.Decode(reflect.New(t).Interface()) != nil {
		if t == durationType {
			want("a duration such as 90s or 15m")
		} else {
			want(describe(t.Kind().String()))
		}
	}
}

// dupKey reports (and appends an error for) a key already seen in the
// same mapping, which yaml refuses with a line number only.
func dupKey(k *yaml.Node, seen map[string]int, path string, errs *[]error) bool {
	if k.Kind != yaml.ScalarNode {
		return false
	}
	if first, ok := seen[k.Value]; ok {
		*errs = append(*errs, &FieldError{Path: join(path, keyName(k)), Msg: fmt.Sprintf("set twice (lines %d and %d)", first, k.Line)})
		return true
	}
	seen[k.Value] = k.Line
	return false
}

// keyName shows a mapping key in a path; an empty or non-scalar key would
// otherwise leave the path blank.
func keyName(k *yaml.Node) string {
	if k.Kind == yaml.ScalarNode && k.Value != "" {
		return k.Value
	}
	if k.Kind == yaml.ScalarNode {
		return `""`
	}
	return fmt.Sprintf("(key at line %d)", k.Line)
}

// nodeValue is what a type error shows as the value: a scalar's text, or
// nothing for a list or mapping.
func nodeValue(node *yaml.Node) any {
	if node.Kind == yaml.ScalarNode {
		return node.Value
	}
	return nil
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// YAMLError turns a yaml decode error into a readable one: yaml's own
// "line N: …", without its "yaml: " prefix (the caller names the file);
// type errors keep yaml's line numbers.
func YAMLError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return errors.New(strings.Join(te.Errors, "; "))
	}
	msg, _ := strings.CutPrefix(err.Error(), "yaml: ")
	return &yamlError{msg: msg, err: err}
}

// yamlError is a yaml syntax error shown without yaml's prefix; it is an
// ErrSyntax.
type yamlError struct {
	msg string
	err error
}

func (e *yamlError) Error() string        { return e.msg }
func (e *yamlError) Unwrap() error        { return e.err }
func (e *yamlError) Is(target error) bool { return target == ErrSyntax }

// describe names the YAML shape a Go type expects, for type errors.
func describe(t string) string {
	switch t {
	case "int", "int8", "int16", "int32", "int64":
		return "an integer"
	case "uint", "uint8", "uint16", "uint32", "uint64":
		return "a non-negative integer"
	case "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	}
	return fmt.Sprintf("a %s", t)
}
