package content

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// fieldFlow follows a search's fields through its pipeline, the way SPL
// makes and drops them: the first segment's terms (and every `search`
// command's) read fields of the events; eval, fieldformat and fillnull add
// fields; stats keeps only its aggregates and BY fields, eventstats adds its
// aggregates; table keeps only what it names; rename moves a field. Every
// field a command reads must exist at that point: on the records (start) or
// made by an earlier command. It knows only the commands the add-on's
// searches use and fails on any other, so a new command gets modelled
// before it is trusted.
func fieldFlow(q string, start map[string]bool) error {
	have := map[string]bool{}
	for f := range start {
		have[f] = true
	}
	need := func(cmd string, fs ...string) error {
		for _, f := range fs {
			if !have[f] {
				return fmt.Errorf("%s reads %s, which no record has and no earlier command makes", cmd, f)
			}
		}
		return nil
	}
	for _, c := range splitCommands(q) {
		cmd, rest := c.name, c.args
		switch cmd {
		case "search":
			x, err := parseSearch(rest)
			if err != nil {
				return fmt.Errorf("search %q: %w", rest, err)
			}
			if err := need("search", x.Fields...); err != nil {
				return err
			}
		case "where":
			refs, err := exprFields(rest)
			if err != nil {
				return fmt.Errorf("where %q: %w", rest, err)
			}
			if err := need("where", refs...); err != nil {
				return err
			}
		case "eval", "fieldformat":
			// every assignment of one eval sees the fields as they were
			// before it, plus those assigned earlier in the same command
			for _, as := range splitTop(rest, ',') {
				f, expr, ok := strings.Cut(as, "=")
				f = strings.TrimSpace(f)
				if !ok || !isFieldName(f) {
					return fmt.Errorf("%s %q: not field=expression", cmd, as)
				}
				refs, err := exprFields(expr)
				if err != nil {
					return fmt.Errorf("%s %s: %w", cmd, f, err)
				}
				if err := need(cmd+" "+f, refs...); err != nil {
					return err
				}
				have[f] = true
			}
		case "stats", "eventstats":
			aggs, by, err := parseStats(rest)
			if err != nil {
				return fmt.Errorf("%s %q: %w", cmd, rest, err)
			}
			var outs []string
			for _, a := range aggs {
				if a.field != "" {
					if err := need(cmd+" "+a.fn, a.field); err != nil {
						return err
					}
				}
				outs = append(outs, a.as)
			}
			if err := need(cmd+" BY", by...); err != nil {
				return err
			}
			if cmd == "stats" {
				have = map[string]bool{}
				for _, f := range by {
					have[f] = true
				}
			}
			for _, f := range outs {
				have[f] = true
			}
		case "table":
			fs := strings.Fields(strings.ReplaceAll(rest, ",", " "))
			if err := need("table", fs...); err != nil {
				return err
			}
			have = map[string]bool{}
			for _, f := range fs {
				have[f] = true
			}
		case "dedup":
			if err := need("dedup", strings.Fields(strings.ReplaceAll(rest, ",", " "))...); err != nil {
				return err
			}
		case "sort":
			for _, f := range strings.Fields(strings.ReplaceAll(rest, ",", " ")) {
				f = strings.TrimLeft(f, "+-")
				if f == "" || isNumber(f) {
					continue
				}
				if err := need("sort", f); err != nil {
					return err
				}
			}
		case "rename":
			for _, p := range splitTop(rest, ',') {
				from, to, ok := strings.Cut(strings.TrimSpace(p), " AS ")
				from, to = strings.Trim(strings.TrimSpace(from), `"`), strings.Trim(strings.TrimSpace(to), `"`)
				if !ok || !isFieldName(to) {
					return fmt.Errorf("rename %q", p)
				}
				if err := need("rename", from); err != nil {
					return err
				}
				delete(have, from)
				have[to] = true
			}
		default:
			return fmt.Errorf("command %q is not one the tests model", cmd)
		}
	}
	return nil
}

// splFuncs are the eval functions the searches may call: Splunk's, by the
// names its Search Reference gives them; a typo is not one.
var splFuncs = fieldSet("abs", "case", "coalesce", "if", "isnotnull", "isnull", "like", "lower", "match", "mvappend",
	"mvcount", "mvdedup", "mvfind", "now", "null", "relative_time", "replace", "round", "strftime", "strptime",
	"substr", "true", "upper", "tonumber", "tostring", "len")

// statsFuncs are the stats functions the searches may call.
var statsFuncs = fieldSet("avg", "count", "dc", "earliest", "first", "last", "latest", "list", "max", "median", "min",
	"perc90", "perc95", "sum", "values")

var splKeywords = fieldSet("AND", "OR", "NOT", "LIKE", "IN")

// exprFields returns the fields an eval or where expression reads:
// 'quoted' names and bare names that are neither a function call nor a
// keyword. A bare name with a dot is refused: SPL reads a.b as the
// concatenation of a and b, so a dotted field must be quoted.
func exprFields(expr string) ([]string, error) {
	var out []string
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(expr) && expr[j] != c {
				if expr[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(expr) {
				return nil, fmt.Errorf("unterminated %c", c)
			}
			if c == '\'' {
				out = append(out, expr[i+1:j])
			}
			i = j + 1
		case unicode.IsDigit(rune(c)):
			for i < len(expr) && (unicode.IsDigit(rune(expr[i])) || expr[i] == '.') {
				i++
			}
		case c == '_' || unicode.IsLetter(rune(c)):
			j := i
			for j < len(expr) && (expr[j] == '_' || expr[j] == '.' || unicode.IsLetter(rune(expr[j])) || unicode.IsDigit(rune(expr[j]))) {
				j++
			}
			name := expr[i:j]
			k := j
			for k < len(expr) && expr[k] == ' ' {
				k++
			}
			switch {
			case k < len(expr) && expr[k] == '(':
				if !splFuncs[name] {
					return nil, fmt.Errorf("function %s is not one the tests know", name)
				}
			case splKeywords[name]:
			case strings.Contains(name, "."):
				return nil, fmt.Errorf("%s: quote a dotted field name ('%s'), SPL reads the dot as concatenation", name, name)
			default:
				out = append(out, name)
			}
			i = j
		case strings.ContainsRune(" \t\n(),.+-*/%<>=!", rune(c)):
			i++
		default:
			return nil, fmt.Errorf("unexpected %q", c)
		}
	}
	return out, nil
}

type statsAgg struct{ fn, field, as string }

var statsAggRe = regexp.MustCompile(`^([a-z0-9]+)(?:\(([^()]*)\))?$`)

// parseStats reads "fn(field) [AS name] … [BY f1, f2 …]"; count may stand
// without a field. An aggregate without AS is named as Splunk names it,
// fn(field).
func parseStats(s string) ([]statsAgg, []string, error) {
	toks := strings.Fields(strings.ReplaceAll(s, ",", " "))
	var aggs []statsAgg
	var by []string
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if strings.EqualFold(t, "BY") {
			by = toks[i+1:]
			break
		}
		m := statsAggRe.FindStringSubmatch(t)
		if m == nil || !statsFuncs[m[1]] {
			return nil, nil, fmt.Errorf("%q is not a stats function the tests know", t)
		}
		if m[2] == "" && m[1] != "count" {
			return nil, nil, fmt.Errorf("%s needs a field", m[1])
		}
		a := statsAgg{fn: m[1], field: strings.Trim(m[2], `'"`), as: t}
		if i+2 < len(toks) && strings.EqualFold(toks[i+1], "AS") {
			a.as = toks[i+2]
			i += 2
		}
		aggs = append(aggs, a)
	}
	if len(aggs) == 0 {
		return nil, nil, fmt.Errorf("no aggregate")
	}
	for _, f := range by {
		if !isFieldName(f) {
			return nil, nil, fmt.Errorf("BY %q", f)
		}
	}
	return aggs, by, nil
}

// splitTop splits s at sep outside quotes and parentheses.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	var q byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == '\\' {
				i++
			} else if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == sep && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

var fieldNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.{}]*$`)

func isFieldName(s string) bool { return fieldNameRe.MatchString(s) }

func isNumber(s string) bool {
	return s != "" && !slices.ContainsFunc([]rune(s), func(r rune) bool { return !unicode.IsDigit(r) })
}

// runSearch runs a search over events the way Splunk would, for the
// commands the add-on's searches use: search terms, eval (each assignment
// in turn), where, stats, dedup, table; sort and fieldformat change only how
// results look and are passed over. It returns the result rows. Only what
// fieldFlow models is run; anything else fails the test.
func runSearch(q string, events []event) ([]event, error) {
	rows := events
	for _, c := range splitCommands(q) {
		cmd, rest := c.name, c.args
		var next []event
		switch cmd {
		case "search", "where":
			var keep func(event) bool
			if cmd == "search" {
				x, err := parseSearch(rest)
				if err != nil {
					return nil, err
				}
				keep = x.match
			} else {
				x, err := parseEval(rest)
				if err != nil {
					return nil, fmt.Errorf("where %q: %w", rest, err)
				}
				keep = func(e event) bool { return x.eval(e).truth() }
			}
			for _, e := range rows {
				if keep(e) {
					next = append(next, e)
				}
			}
		case "eval":
			var fs []string
			var xs []*evalExpr
			for _, as := range splitTop(rest, ',') {
				f, expr, _ := strings.Cut(as, "=")
				x, err := parseEval(expr)
				if err != nil {
					return nil, fmt.Errorf("eval %q: %w", as, err)
				}
				fs, xs = append(fs, strings.TrimSpace(f)), append(xs, x)
			}
			for _, e := range rows {
				e2 := event{}
				for k, v := range e {
					e2[k] = v
				}
				for j, x := range xs {
					if v := x.eval(e2); v.null() {
						delete(e2, fs[j])
					} else {
						e2[fs[j]] = v.mv
					}
				}
				next = append(next, e2)
			}
		case "stats":
			aggs, by, err := parseStats(rest)
			if err != nil {
				return nil, err
			}
			next = stats(rows, aggs, by)
		case "dedup":
			fs := strings.Fields(rest)
			seen := map[string]bool{}
			for _, e := range rows {
				var k []string
				for _, f := range fs {
					if len(e[f]) == 0 {
						k = nil
						break
					}
					k = append(k, strings.Join(e[f], "\x00"))
				}
				if k == nil || seen[strings.Join(k, "\x01")] {
					continue
				}
				seen[strings.Join(k, "\x01")] = true
				next = append(next, e)
			}
		case "table":
			for _, e := range rows {
				e2 := event{}
				for _, f := range strings.Fields(rest) {
					if v, ok := e[f]; ok {
						e2[f] = v
					}
				}
				next = append(next, e2)
			}
		case "sort", "fieldformat":
			next = rows
		default:
			return nil, fmt.Errorf("command %q is not one the tests run", cmd)
		}
		rows = next
	}
	return rows, nil
}

// stats groups rows by the BY fields (a row without one of them is dropped,
// as in Splunk) and computes the aggregates; latest and earliest go by _time.
func stats(rows []event, aggs []statsAgg, by []string) []event {
	type group struct {
		key  event
		rows []event
	}
	var order []string
	groups := map[string]*group{}
	for _, e := range rows {
		var k []string
		key := event{}
		for _, f := range by {
			if len(e[f]) == 0 {
				k = nil
				break
			}
			k = append(k, strings.Join(e[f], "\x00"))
			key[f] = e[f]
		}
		if k == nil && len(by) > 0 {
			continue
		}
		ks := strings.Join(k, "\x01")
		if groups[ks] == nil {
			groups[ks] = &group{key: key}
			order = append(order, ks)
		}
		groups[ks].rows = append(groups[ks].rows, e)
	}
	var out []event
	for _, ks := range order {
		g := groups[ks]
		r := g.key
		for _, a := range aggs {
			var vals []string
			var latest, earliest string
			lt, et := math.Inf(-1), math.Inf(1)
			for _, e := range g.rows {
				if a.field == "" {
					vals = append(vals, "1")
					continue
				}
				vals = append(vals, e[a.field]...)
				if len(e[a.field]) > 0 {
					at, _ := strconv.ParseFloat(first(e, "_time"), 64)
					if at >= lt {
						lt, latest = at, e[a.field][0]
					}
					if at < et {
						et, earliest = at, e[a.field][0]
					}
				}
			}
			var v []string
			switch a.fn {
			case "count":
				v = []string{strconv.Itoa(len(vals))}
			case "dc", "values":
				u := slices.Compact(slices.Sorted(slices.Values(vals)))
				if v = u; a.fn == "dc" {
					v = []string{strconv.Itoa(len(u))}
				}
			case "latest", "last":
				v = []string{latest}
			case "earliest", "first":
				v = []string{earliest}
			case "min", "max":
				if len(vals) > 0 {
					m, _ := strconv.ParseFloat(vals[0], 64)
					for _, s := range vals {
						x, _ := strconv.ParseFloat(s, 64)
						if (a.fn == "min") == (x < m) && x != m {
							m = x
						}
					}
					v = []string{strconv.FormatFloat(m, 'f', -1, 64)}
				}
			default:
				panic("stats " + a.fn + " is not one the tests run")
			}
			if len(vals) == 0 && a.fn != "count" && a.fn != "dc" {
				v = nil
			}
			if v != nil {
				r[a.as] = v
			}
		}
		out = append(out, r)
	}
	return out
}
