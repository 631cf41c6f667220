package content

import (
	"fmt"
	"path"
	"strings"
)

// searchExpr is a parsed search-command predicate of the subset eventtypes
// and the add-on's macros use: field=value and field!=value terms (value
// quoted or bare, * a wildcard, compared case-insensitively as Splunk does),
// NOT, OR, AND (or nothing) between terms, and parentheses. As in SPL, OR
// binds tighter than AND. Fields lists every field a term names.
type searchExpr struct {
	match  func(e event) bool
	Fields []string
}

func parseSearch(src string) (*searchExpr, error) {
	toks, err := lexSearch(src)
	if err != nil {
		return nil, err
	}
	p := &searchParser{toks: toks, fields: map[string]bool{}}
	m, err := p.and()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	x := &searchExpr{match: m}
	for f := range p.fields {
		x.Fields = append(x.Fields, f)
	}
	return x, nil
}

// lexSearch splits at spaces and parentheses outside double quotes.
func lexSearch(s string) ([]string, error) {
	var toks []string
	var cur strings.Builder
	inQ := false
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQ && c == '\\' && i+1 < len(s):
			cur.WriteByte(c)
			i++
			cur.WriteByte(s[i])
		case c == '"':
			inQ = !inQ
			cur.WriteByte(c)
		case inQ:
			cur.WriteByte(c)
		case c == ' ' || c == '\t' || c == '\n':
			flush()
		case c == '(' || c == ')':
			flush()
			toks = append(toks, string(c))
		default:
			cur.WriteByte(c)
		}
	}
	if inQ {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	flush()
	return toks, nil
}

type searchParser struct {
	toks   []string
	pos    int
	fields map[string]bool
}

func (p *searchParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *searchParser) and() (func(event) bool, error) {
	var parts []func(event) bool
	for t := p.peek(); t != "" && t != ")"; t = p.peek() {
		if t == "AND" {
			p.pos++
			continue
		}
		m, err := p.or()
		if err != nil {
			return nil, err
		}
		parts = append(parts, m)
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("empty search")
	}
	return func(e event) bool {
		for _, m := range parts {
			if !m(e) {
				return false
			}
		}
		return true
	}, nil
}

func (p *searchParser) or() (func(event) bool, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.peek() == "OR" {
		p.pos++
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l0 := l
		l = func(e event) bool { return l0(e) || r(e) }
	}
	return l, nil
}

func (p *searchParser) not() (func(event) bool, error) {
	if p.peek() == "NOT" {
		p.pos++
		m, err := p.not()
		if err != nil {
			return nil, err
		}
		return func(e event) bool { return !m(e) }, nil
	}
	return p.atom()
}

func (p *searchParser) atom() (func(event) bool, error) {
	t := p.peek()
	p.pos++
	if t == "(" {
		m, err := p.and()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		p.pos++
		return m, nil
	}
	neg := false
	f, v, ok := strings.Cut(t, "!=")
	if ok {
		neg = true
	} else if f, v, ok = strings.Cut(t, "="); !ok {
		return nil, fmt.Errorf("%q is not a field=value term (the tests know no other)", t)
	}
	if f == "" || v == "" {
		return nil, fmt.Errorf("%q: empty field or value", t)
	}
	if v[0] == '"' {
		v = unquote(v)
	}
	p.fields[f] = true
	pat := strings.ToLower(v)
	return func(e event) bool {
		vs, present := e[f]
		if !present {
			return false
		}
		hit := false
		for _, x := range vs {
			if wildcard(pat, strings.ToLower(x)) {
				hit = true
			}
		}
		return hit != neg
	}, nil
}

// wildcard matches SPL's * against s; path.Match's other metacharacters do
// not occur in the values the add-on searches for.
func wildcard(pat, s string) bool {
	ok, err := path.Match(strings.ReplaceAll(pat, "/", "\x00"), strings.ReplaceAll(s, "/", "\x00"))
	return ok && err == nil
}
