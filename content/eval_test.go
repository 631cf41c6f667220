package content

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// An event's fields as Splunk sees them at search time: a field has one or
// more values; a missing field is null.
type event map[string][]string

// val is an eval value: null, a string (possibly multivalue) or a boolean.
type val struct {
	mv     []string
	isBool bool
	b      bool
}

func (v val) null() bool { return v.mv == nil && !v.isBool }

func (v val) str() string {
	if len(v.mv) == 0 {
		return ""
	}
	return v.mv[0]
}

func (v val) truth() bool { return v.isBool && v.b }

// evalExpr is a parsed eval expression of the subset the add-on uses:
// "strings", 'quoted.field' and bare_field references, numbers, the
// functions below, ".", "==", "=", "!=", AND, OR, NOT and parentheses.
// Fields lists every field the expression reads.
type evalExpr struct {
	eval   func(e event) val
	Fields []string
}

var evalFuncs = map[string]func(args []val) (val, error){
	"coalesce": func(a []val) (val, error) {
		for _, v := range a {
			if !v.null() {
				return v, nil
			}
		}
		return val{}, nil
	},
	"case": func(a []val) (val, error) {
		if len(a)%2 != 0 {
			return val{}, fmt.Errorf("case needs condition, value pairs")
		}
		for i := 0; i < len(a); i += 2 {
			if a[i].truth() {
				return a[i+1], nil
			}
		}
		return val{}, nil
	},
	"if": func(a []val) (val, error) {
		if len(a) != 3 {
			return val{}, fmt.Errorf("if needs 3 arguments")
		}
		if a[0].truth() {
			return a[1], nil
		}
		return a[2], nil
	},
	"isnull":    func(a []val) (val, error) { return boolVal(a[0].null()), nil },
	"isnotnull": func(a []val) (val, error) { return boolVal(!a[0].null()), nil },
	"true":      func(a []val) (val, error) { return boolVal(true), nil },
	"null":      func(a []val) (val, error) { return val{}, nil },
	"now":       func(a []val) (val, error) { return strVal(strconv.FormatInt(searchNow.Unix(), 10)), nil },
	"relative_time": func(a []val) (val, error) {
		if len(a) != 2 || a[0].null() || a[1].null() {
			return val{}, nil
		}
		sec, err := strconv.ParseInt(a[0].str(), 10, 64)
		if err != nil {
			return val{}, err
		}
		t, err := relativeTime(time.Unix(sec, 0).UTC(), a[1].str())
		if err != nil {
			return val{}, err
		}
		return strVal(strconv.FormatInt(t.Unix(), 10)), nil
	},
	"lower": func(a []val) (val, error) {
		if a[0].null() {
			return val{}, nil
		}
		return strVal(strings.ToLower(a[0].str())), nil
	},
}

// searchNow is now() in the searches the tests run: the time of a
// scheduled run, 7 minutes past the hour (cron "7 * * * *").
var searchNow = time.Date(2026, 1, 5, 10, 7, 0, 0, time.UTC)

// relativeTime is SPL's relative_time for the modifiers the searches use:
// an optional -N<unit> (s, m, h, d) and an optional @<unit> snap.
func relativeTime(t time.Time, mod string) (time.Time, error) {
	m := relativeRe.FindStringSubmatch(mod)
	if m == nil {
		return t, fmt.Errorf("time modifier %q is not one the tests know", mod)
	}
	units := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	if m[1] != "" {
		n, _ := strconv.Atoi(m[2])
		t = t.Add(-time.Duration(n) * units[m[3]])
	}
	if m[4] != "" {
		t = t.Truncate(units[m[4]])
	}
	return t, nil
}

var relativeRe = regexp.MustCompile(`^(-([0-9]+)([smhd]))?(?:@([smhd]))?$`)

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func boolVal(b bool) val  { return val{isBool: true, b: b} }
func strVal(s string) val { return val{mv: []string{s}} }

// regexpFuncs take a regular expression literal as their second argument;
// it is compiled once when parsed, so a bad one fails the parse.
var regexpFuncs = map[string]bool{"match": true, "replace": true}

type evalParser struct {
	toks   []string
	pos    int
	fields map[string]bool
}

func parseEval(src string) (*evalExpr, error) {
	toks, err := lexEval(src)
	if err != nil {
		return nil, err
	}
	p := &evalParser{toks: toks, fields: map[string]bool{}}
	f, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	x := &evalExpr{eval: f}
	for k := range p.fields {
		x.Fields = append(x.Fields, k)
	}
	return x, nil
}

func lexEval(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated %c at %d", c, i)
			}
			toks = append(toks, s[i:j+1])
			i = j + 1
		case strings.HasPrefix(s[i:], "==") || strings.HasPrefix(s[i:], "!=") || strings.HasPrefix(s[i:], "<=") || strings.HasPrefix(s[i:], ">="):
			toks = append(toks, s[i:i+2])
			i += 2
		case strings.ContainsRune("(),.=<>", rune(c)):
			toks = append(toks, string(c))
			i++
		case c == '_' || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)):
			j := i
			for j < len(s) && (s[j] == '_' || unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j]))) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			return nil, fmt.Errorf("unexpected %q at %d", c, i)
		}
	}
	return toks, nil
}

func (p *evalParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *evalParser) next() string { t := p.peek(); p.pos++; return t }

func (p *evalParser) expect(t string) error {
	if got := p.next(); got != t {
		return fmt.Errorf("want %q, got %q", t, got)
	}
	return nil
}

func (p *evalParser) or() (func(event) val, error) {
	return p.binary(p.and, "OR", func(a, b val) val { return boolVal(a.truth() || b.truth()) })
}

func (p *evalParser) and() (func(event) val, error) {
	return p.binary(p.not, "AND", func(a, b val) val { return boolVal(a.truth() && b.truth()) })
}

func (p *evalParser) binary(sub func() (func(event) val, error), op string, f func(a, b val) val) (func(event) val, error) {
	l, err := sub()
	if err != nil {
		return nil, err
	}
	for p.peek() == op {
		p.next()
		r, err := sub()
		if err != nil {
			return nil, err
		}
		l0 := l
		l = func(e event) val { return f(l0(e), r(e)) }
	}
	return l, nil
}

func (p *evalParser) not() (func(event) val, error) {
	if p.peek() == "NOT" {
		p.next()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return func(e event) val { return boolVal(!x(e).truth()) }, nil
	}
	return p.cmp()
}

func (p *evalParser) cmp() (func(event) val, error) {
	l, err := p.concat()
	if err != nil {
		return nil, err
	}
	op := p.peek()
	if !slices.Contains([]string{"==", "=", "!=", "<", ">", "<=", ">="}, op) {
		return l, nil
	}
	p.next()
	r, err := p.concat()
	if err != nil {
		return nil, err
	}
	return func(e event) val {
		a, b := l(e), r(e)
		if a.null() || b.null() {
			return boolVal(false)
		}
		switch op {
		case "==", "=", "!=":
			return boolVal((a.str() == b.str()) == (op != "!="))
		}
		// numbers compare as numbers, anything else as strings, as SPL does
		c := strings.Compare(a.str(), b.str())
		x, errA := strconv.ParseFloat(a.str(), 64)
		y, errB := strconv.ParseFloat(b.str(), 64)
		if errA == nil && errB == nil {
			c = cmpFloat(x, y)
		}
		return boolVal(map[string]bool{"<": c < 0, ">": c > 0, "<=": c <= 0, ">=": c >= 0}[op])
	}, nil
}

func (p *evalParser) concat() (func(event) val, error) {
	return p.binary(p.primary, ".", func(a, b val) val {
		if a.null() || b.null() {
			return val{}
		}
		return strVal(a.str() + b.str())
	})
}

func (p *evalParser) primary() (func(event) val, error) {
	t := p.next()
	switch {
	case t == "":
		return nil, fmt.Errorf("unexpected end")
	case t == "(":
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		return x, p.expect(")")
	case t[0] == '"':
		s := unquote(t)
		return func(event) val { return strVal(s) }, nil
	case t[0] == '\'':
		return p.field(unquote(t)), nil
	case unicode.IsDigit(rune(t[0])):
		return func(event) val { return strVal(t) }, nil
	case p.peek() == "(":
		return p.call(t)
	case t == "AND" || t == "OR" || t == "NOT" || strings.ContainsAny(t, "(),.=!"):
		return nil, fmt.Errorf("unexpected %q", t)
	}
	return p.field(t), nil
}

func (p *evalParser) field(name string) func(event) val {
	p.fields[name] = true
	return func(e event) val { return val{mv: e[name]} }
}

func (p *evalParser) call(name string) (func(event) val, error) {
	p.next() // (
	var args []func(event) val
	var re *regexp.Regexp
	for p.peek() != ")" {
		if len(args) > 0 {
			if err := p.expect(","); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		if regexpFuncs[name] && len(args) == 1 {
			lit := p.next()
			if lit == "" || lit[0] != '"' {
				return nil, fmt.Errorf("%s: the regular expression must be a string literal, got %q", name, lit)
			}
			var err error
			if re, err = regexp.Compile(unquote(lit)); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			args = append(args, nil)
			continue
		}
		a, err := p.or()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		args = append(args, a)
	}
	p.next()
	switch name {
	case "match":
		if len(args) != 2 {
			return nil, fmt.Errorf("match needs 2 arguments")
		}
		return func(e event) val {
			s := args[0](e)
			return boolVal(!s.null() && re.MatchString(s.str()))
		}, nil
	case "replace":
		if len(args) != 3 {
			return nil, fmt.Errorf("replace needs 3 arguments")
		}
		return func(e event) val {
			s, r := args[0](e), args[2](e)
			if s.null() || r.null() {
				return val{}
			}
			return strVal(re.ReplaceAllString(s.str(), r.str()))
		}, nil
	}
	f := evalFuncs[name]
	if f == nil {
		return nil, fmt.Errorf("function %s is not one the tests know", name)
	}
	return func(e event) val {
		vs := make([]val, len(args))
		for i, a := range args {
			vs[i] = a(e)
		}
		v, err := f(vs)
		if err != nil {
			panic(err)
		}
		return v
	}, nil
}

// unquote strips a "…" or '…' literal: SPL's escapes are \" (or \') and
// \\; any other backslash stays, which is what keeps "\." a regexp escape.
func unquote(t string) string {
	q, s := t[0], t[1:len(t)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == q || s[i+1] == '\\') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
