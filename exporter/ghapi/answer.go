package ghapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v62/github"
)

// answerError is an error answer to one request, rendered as what GitHub
// said: go-github's own text repeats the method and URL and ends in its
// error list ("GET …: 401 Bad credentials []"), which the wrapping error
// already names better. It unwraps to the go-github error, so StatusOf,
// Cause and errors.As keep working.
type answerError struct {
	status     int
	message    string
	details    []string // GitHub's error list, when it sent one
	fromGitHub bool
	er         *github.ErrorResponse
}

func (e *answerError) Error() string {
	msg := ""
	if e.message != "" {
		msg = ": " + truncate(e.message, 300)
	}
	if len(e.details) > 0 {
		msg += " (" + truncate(strings.Join(e.details, "; "), 300) + ")"
	}
	if !e.fromGitHub {
		return fmt.Sprintf("answered %d without GitHub's headers (not GitHub: check base_url and any proxy)%s", e.status, msg)
	}
	return fmt.Sprintf("GitHub answered %d%s", e.status, msg)
}

func (e *answerError) Unwrap() error { return e.er }

// FromGitHub reports whether h carries the headers GitHub (github.com, GHEC
// and GHES alike) sets on every answer, errors included; a proxy, a captive
// portal or a web server at the wrong base_url sets neither.
func FromGitHub(h http.Header) bool {
	return h.Get("X-GitHub-Request-Id") != "" || h.Get("X-GitHub-Media-Type") != ""
}

// describe shortens go-github's errors to status and GitHub's message.
func describe(err error) error {
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return err
	}
	ae := &answerError{status: er.Response.StatusCode, message: er.Message, fromGitHub: FromGitHub(er.Response.Header), er: er}
	for _, d := range er.Errors {
		switch {
		case d.Message != "":
			ae.details = append(ae.details, d.Message)
		case d.Field != "":
			ae.details = append(ae.details, d.Field+": "+d.Code)
		}
	}
	if v := versionRefusal(er); v != nil {
		return &refusal{v: v, answer: ae}
	}
	return ae
}

// refusal is a 400 for the API version: its text says what to change, and
// it unwraps to both ErrAPIVersion and GitHub's answer.
type refusal struct {
	v      error
	answer *answerError
}

func (r *refusal) Error() string   { return r.v.Error() }
func (r *refusal) Unwrap() []error { return []error{r.v, r.answer} }

// AnswerOf is what err says GitHub (or what stood in for it) answered, as a
// Probe: the status, GitHub's message, whether GitHub's headers were there
// and the permission headers; or, for a request that got no answer, Err.
// ok is false when err is neither
// (a decode error, a refused Link, a state failure).
func AnswerOf(err error) (p Probe, ok bool) {
	var er *github.ErrorResponse
	var ue *url.Error
	switch {
	case err == nil:
		return Probe{}, false
	case errors.As(err, &er) && er.Response != nil:
		p := Probe{Status: er.Response.StatusCode, Message: er.Message}
		p.readAccess(er.Response.Header)
		return p, true
	case errors.Is(err, ErrForeignOrigin), errors.Is(err, context.Canceled):
		return Probe{}, false
	case errors.As(err, &ue):
		return Probe{Err: err}, true
	}
	return Probe{}, false
}
