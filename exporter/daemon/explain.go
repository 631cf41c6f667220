package daemon

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
)

// CheckHint ends every explained GitHub failure: `check` shows, in one
// table, what works beside what failed.
const CheckHint = "run `ghsec-exporter check` for a table of what works and what to change"

// targetError is one target's failure in a job: the scope and the list it
// was about, so that explain can say what GitHub's answer means for it.
type targetError struct {
	scope ghapi.Scope
	kind  string // an alert source, "audit_log", "dismissal requests (dependabot)"
	what  string // what was being done: "poll dependabot alerts of org:acme"
	err   error
}

func (e *targetError) Error() string { return e.what + ": " + e.err.Error() }
func (e *targetError) Unwrap() error { return e.err }

// explained is a job's failures rendered by cause; it unwraps to them.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

// failure is one request that failed, and the target it was for.
type failure struct {
	target *targetError // nil when the error names no target
	err    error
}

// explain renders err, the joined failures of the GitHub jobs, the way
// `check` does: one line per cause (a wrong token, an unreachable
// base_url, an org that is not visible), naming the targets it hits and
// what to change, then CheckHint. Failures that are not GitHub's answers
// (a decode error, the state file) keep their own text. err is returned
// as it is when no failure is a GitHub answer.
func (a *App) explain(err error) error {
	if err == nil {
		return nil
	}
	var fs []failure
	flatten(err, nil, &fs)
	var causes ghapi.Problems
	var other []string
	for _, f := range fs {
		p, ok := ghapi.AnswerOf(f.err)
		if !ok || f.target == nil {
			msg := f.err.Error()
			if f.target != nil {
				msg = f.target.what + ": " + msg
			}
			other = append(other, msg)
			continue
		}
		causes.Add(f.target.scope.String(), f.target.kind, ghapi.Diagnose(f.target.scope, f.target.kind, p, a.gh.Product()))
	}
	groups := causes.List()
	if len(groups) == 0 {
		return err
	}
	n := 0
	for _, g := range groups {
		n += g.N
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d GitHub %s failed, %d %s:\n", n, plural(n, "request", "requests"), len(groups), plural(len(groups), "cause", "causes"))
	for _, g := range groups {
		fmt.Fprintf(&b, "- %s for %s: %s\n", g.Result, g.Targets(), g.Fix)
	}
	for _, o := range other {
		b.WriteString(o + "\n")
	}
	b.WriteString(CheckHint)
	return &explained{msg: b.String(), err: err}
}

// flatten lists the failures joined in err, each with the target it was
// for. A GitHub refusal of the API version joins two errors but is one
// failure.
func flatten(err error, target *targetError, out *[]failure) {
	for {
		if te, ok := err.(*targetError); ok {
			target, err = te, te.err
			continue
		}
		if m, ok := err.(interface{ Unwrap() []error }); ok && !errors.Is(err, ghapi.ErrAPIVersion) {
			for _, e := range m.Unwrap() {
				flatten(e, target, out)
			}
			return
		}
		if !branches(err) {
			*out = append(*out, failure{target, err})
			return
		}
		err = errors.Unwrap(err)
	}
}

// branches reports whether err's chain leads to a target or a join: a
// wrapper ("github: …") to look through rather than one failure.
func branches(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if _, ok := e.(*targetError); ok {
			return true
		}
		if _, ok := e.(interface{ Unwrap() []error }); ok {
			return !errors.Is(e, ghapi.ErrAPIVersion)
		}
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
