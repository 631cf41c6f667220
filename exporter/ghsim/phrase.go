package ghsim

import (
	"fmt"
	"strings"
	"time"
)

// phrase is a parsed audit-log search phrase. Supported qualifiers:
// action:NAME (exact, or a whole category such as action:secret_scanning_alert),
// actor:LOGIN, repo:OWNER/NAME, org:LOGIN, and created: with a date or
// RFC 3339 time, optionally prefixed by >=, >, <=, < or given as a range
// A..B. A leading "-" negates a qualifier. Bare words are ignored.
type phrase struct {
	terms []term
}

type term struct {
	negate   bool
	field    string
	value    string
	from, to time.Time // created: [from, to)
}

func parsePhrase(s string) (phrase, error) {
	var p phrase
	for _, tok := range strings.Fields(s) {
		t := term{}
		if strings.HasPrefix(tok, "-") {
			t.negate, tok = true, tok[1:]
		}
		field, value, ok := strings.Cut(tok, ":")
		if !ok {
			continue
		}
		t.field, t.value = field, value
		switch field {
		case "action", "actor", "repo", "org":
		case "created":
			from, to, err := parseCreated(value)
			if err != nil {
				return p, err
			}
			t.from, t.to = from, to
		default:
			continue
		}
		p.terms = append(p.terms, t)
	}
	return p, nil
}

var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// parseCreated turns a created: qualifier value into a [from, to) interval.
func parseCreated(v string) (time.Time, time.Time, error) {
	if a, b, ok := strings.Cut(v, ".."); ok {
		from, _, err := parseWhen(a)
		if err != nil {
			return from, from, err
		}
		_, to, err := parseWhen(b)
		return from, to, err
	}
	for _, op := range []string{">=", "<=", ">", "<"} {
		rest, ok := strings.CutPrefix(v, op)
		if !ok {
			continue
		}
		start, end, err := parseWhen(rest)
		if err != nil {
			return start, end, err
		}
		switch op {
		case ">=":
			return start, farFuture, nil
		case ">":
			return end, farFuture, nil
		case "<=":
			return time.Time{}, end, nil
		default:
			return time.Time{}, start, nil
		}
	}
	return parseWhen(v)
}

// parseWhen parses a date (the whole UTC day) or a time (that instant, to
// the millisecond) and returns it as [start, end).
func parseWhen(v string) (time.Time, time.Time, error) {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, t.AddDate(0, 0, 1), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.UTC()
			return t, t.Add(time.Millisecond), nil
		}
	}
	return time.Time{}, time.Time{}, fmt.Errorf("created: %q is not a date (YYYY-MM-DD) or an RFC 3339 time", v)
}

func (p phrase) match(e *auditEvent) bool {
	for _, t := range p.terms {
		var ok bool
		switch t.field {
		case "action":
			ok = e.Action == t.value || strings.HasPrefix(e.Action, t.value+".")
		case "actor":
			ok = e.Actor == t.value
		case "repo":
			ok = e.Repo == t.value
		case "org":
			ok = e.org != nil && e.org.login == t.value
		case "created":
			ok = !e.At.Before(t.from) && e.At.Before(t.to)
		}
		if ok == t.negate {
			return false
		}
	}
	return true
}
