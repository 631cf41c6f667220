package content

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const appDir = "splunk/TA-ghsec-exporter"

// addon is the add-on as Splunk's search head reads it.
type addon struct {
	props, eventtypes, tags, macros, app, meta *confFile
	// per sourcetype: aliases and calculated fields, in file order
	aliases map[string][][2]string
	evals   map[string]map[string]*evalExpr
	types   map[string]*searchExpr
}

func loadAddon(t *testing.T) *addon {
	t.Helper()
	a := &addon{aliases: map[string][][2]string{}, evals: map[string]map[string]*evalExpr{}, types: map[string]*searchExpr{}}
	for _, f := range []struct {
		dst  **confFile
		path string
	}{
		{&a.props, "default/props.conf"}, {&a.eventtypes, "default/eventtypes.conf"}, {&a.tags, "default/tags.conf"},
		{&a.macros, "default/macros.conf"}, {&a.app, "default/app.conf"}, {&a.meta, "metadata/default.meta"},
	} {
		c, err := parseConf(filepath.Join(appDir, f.path))
		if err != nil {
			t.Fatal(err)
		}
		*f.dst = c
	}
	for _, s := range a.props.Stanzas {
		a.evals[s.Name] = map[string]*evalExpr{}
		for _, k := range s.Keys {
			v := s.Vals[k]
			switch {
			case strings.HasPrefix(k, "FIELDALIAS-"):
				pairs, err := parseAliases(v)
				if err != nil {
					t.Fatalf("props.conf [%s] %s: %v", s.Name, k, err)
				}
				a.aliases[s.Name] = append(a.aliases[s.Name], pairs...)
			case strings.HasPrefix(k, "EVAL-"):
				x, err := parseEval(v)
				if err != nil {
					t.Fatalf("props.conf [%s] %s: %v", s.Name, k, err)
				}
				a.evals[s.Name][strings.TrimPrefix(k, "EVAL-")] = x
			}
		}
	}
	for _, s := range a.eventtypes.Stanzas {
		x, err := parseSearch(s.Vals["search"])
		if err != nil {
			t.Fatalf("eventtypes.conf [%s]: %v", s.Name, err)
		}
		a.types[s.Name] = x
	}
	return a
}

// parseAliases reads "src AS dst src2 AS dst2 …" (quoted names allowed).
func parseAliases(v string) ([][2]string, error) {
	f := strings.Fields(v)
	if len(f) == 0 || len(f)%3 != 0 {
		return nil, fmt.Errorf("want src AS dst triples, got %q", v)
	}
	var out [][2]string
	for i := 0; i < len(f); i += 3 {
		if f[i+1] != "AS" {
			return nil, fmt.Errorf("want AS, got %q (ASNEW is not used)", f[i+1])
		}
		out = append(out, [2]string{strings.Trim(f[i], `"`), strings.Trim(f[i+2], `"`)})
	}
	return out, nil
}

// kvJSON is KV_MODE=json: nested keys joined by ".", array elements as
// the multivalue field "key{}" (objects in arrays as "key{}.sub"), numbers
// and booleans as their JSON text; a JSON null extracts nothing.
func kvJSON(t *testing.T, raw []byte) event {
	t.Helper()
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	e := event{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if prefix != "" {
					k = prefix + "." + k
				}
				walk(k, c)
			}
		case []any:
			for _, c := range x {
				walk(prefix+"{}", c)
			}
		case nil:
		case string:
			e[prefix] = append(e[prefix], x)
		case json.Number:
			e[prefix] = append(e[prefix], x.String())
		case bool:
			e[prefix] = append(e[prefix], strconv.FormatBool(x))
		}
	}
	walk("", v)
	return e
}

// searchTime is what a search sees of one event of a sourcetype: the JSON
// fields, then FIELDALIAS (a missing source removes the alias, as since
// Splunk 7.2.4), then every EVAL- on the fields as they were before any
// EVAL- ran, then the eventtypes that match and their tags.
func (a *addon) searchTime(t *testing.T, sourcetype string, raw []byte) (e event, types, tags []string) {
	t.Helper()
	e = kvJSON(t, raw)
	e["sourcetype"] = []string{sourcetype}
	e["index"] = []string{"github"}
	for _, p := range a.aliases[sourcetype] {
		if v, ok := e[p[0]]; ok {
			e[p[1]] = v
		} else {
			delete(e, p[1])
		}
	}
	before := event{}
	for k, v := range e {
		before[k] = v
	}
	for f, x := range a.evals[sourcetype] {
		if v := x.eval(before); v.null() {
			delete(e, f)
		} else if v.isBool {
			t.Fatalf("EVAL-%s gives a boolean", f)
		} else {
			e[f] = v.mv
		}
	}
	seen := map[string]bool{}
	for name, x := range a.types {
		if !x.match(e) {
			continue
		}
		types = append(types, name)
		if s := a.tags.stanza("eventtype=" + name); s != nil {
			for _, tag := range s.Keys {
				if !seen[tag] {
					seen[tag] = true
					tags = append(tags, tag)
				}
			}
		}
	}
	sort.Strings(types)
	sort.Strings(tags)
	return e, types, tags
}

var macroRef = regexp.MustCompile("`([A-Za-z0-9_]+)`")

// expand replaces every `macro` with its definition, from the add-on or
// from extra (ESCU's macros as the docs say to set them), recursively; extra's
// "*", when there, stands for every other macro.
func (a *addon) expand(t *testing.T, s string, extra map[string]string) string {
	t.Helper()
	for range 10 {
		if !macroRef.MatchString(s) {
			return s
		}
		s = macroRef.ReplaceAllStringFunc(s, func(m string) string {
			name := m[1 : len(m)-1]
			if d, ok := extra[name]; ok {
				return d
			}
			st := a.macros.stanza(name)
			if d, ok := extra["*"]; ok && st == nil {
				return d
			}
			if st == nil {
				t.Fatalf("macro %s is not defined", name)
			}
			return st.Vals["definition"]
		})
	}
	t.Fatalf("macros nest too deep: %s", s)
	return ""
}

// runPipeline runs a search over one event up to the first command the
// tests do not model (fillnull, stats, …): the leading search terms, then
// `eval field=expr` and `search terms` commands. It says whether the event
// survived and returns its fields.
func runPipeline(t *testing.T, q string, e event) (bool, event) {
	t.Helper()
	e2 := event{}
	for k, v := range e {
		e2[k] = v
	}
	for _, c := range splitCommands(q) {
		cmd, rest := c.name, c.args
		switch cmd {
		case "search":
			if rest == "" {
				continue
			}
			x, err := parseSearch(rest)
			if err != nil {
				t.Fatalf("search %q: %v", rest, err)
			}
			if !x.match(e2) {
				return false, e2
			}
		case "eval":
			f, expr, ok := strings.Cut(rest, "=")
			if !ok {
				t.Fatalf("eval %q", rest)
			}
			x, err := parseEval(expr)
			if err != nil {
				t.Fatalf("eval %q: %v", rest, err)
			}
			if v := x.eval(e2); v.null() {
				delete(e2, strings.TrimSpace(f))
			} else {
				e2[strings.TrimSpace(f)] = v.mv
			}
		default:
			return true, e2
		}
	}
	return true, e2
}

// splCommand is one command of a search: its name and its arguments.
type splCommand struct{ name, args string }

// splitCommands splits a search into its commands (splitPipes); the first
// segment, which names no command, is a `search`.
func splitCommands(q string) []splCommand {
	segs := splitPipes(q)
	out := make([]splCommand, len(segs))
	for i, seg := range segs {
		seg = strings.TrimSpace(seg)
		name, args, _ := strings.Cut(seg, " ")
		if i == 0 {
			name, args = "search", seg
		}
		out[i] = splCommand{name, strings.TrimSpace(args)}
	}
	return out
}

// splitPipes splits a search at the pipes outside double quotes.
func splitPipes(q string) []string {
	var out []string
	inQ, start := false, 0
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case '\\':
			i++
		case '"':
			inQ = !inQ
		case '|':
			if !inQ {
				out = append(out, q[start:i])
				start = i + 1
			}
		}
	}
	return append(out, q[start:])
}
