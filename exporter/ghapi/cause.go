package ghapi

import (
	"errors"
	"net/url"
	"strings"

	"github.com/google/go-github/v62/github"
)

// Cause names what went wrong in err without the request it was about: a
// GitHub answer as "GitHub answered 500: Server Error" (or, without
// GitHub's headers, as an answer from something else), a transport error
// without its URL, otherwise the innermost wrapped error's message; at most
// 200 bytes. Errors of many requests that failed alike share one Cause, so
// a summary can count them.
func Cause(err error) string {
	var er *github.ErrorResponse
	var ue *url.Error
	var msg string
	switch {
	case err == nil:
		return ""
	case errors.As(err, &er) && er.Response != nil:
		msg = describe(er).Error()
	case errors.As(err, &ue):
		msg = ue.Err.Error()
	default:
		for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(err) {
			err = u
		}
		msg = err.Error()
	}
	return truncate(strings.TrimSpace(msg), 200)
}
