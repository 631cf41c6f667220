package openapicheck

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// maxPerPage is GitHub's documented per_page maximum ("max 100" in every
// parameter description); the descriptions declare no schema maximum.
const maxPerPage = 100

// Req is one request as sent (or recorded by a simulator).
type Req struct {
	Method string
	URL    *url.URL
}

// Error is one reason a request is invalid for a product. Check and CheckAll
// return errors.Join of *Error values; use errors.As to inspect them.
type Error struct {
	Product     string
	Method      string
	URL         string // path and query as sent
	OperationID string // empty when no operation matched
	In          string // "query" or "path"; empty for method/path errors
	Param       string
	Value       string
	Reason      string
	More        int // CheckAll: further requests with the same problem
}

// Error names the product, the request and what is wrong with it.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s", e.Product, e.Method, e.URL)
	if e.OperationID != "" {
		fmt.Fprintf(&b, " (%s)", e.OperationID)
	}
	if e.Param != "" {
		fmt.Fprintf(&b, ": %s parameter %q = %q", e.In, e.Param, e.Value)
	}
	b.WriteString(": " + e.Reason)
	if e.More > 0 {
		fmt.Fprintf(&b, " (and %d more requests)", e.More)
	}
	return b.String()
}

// filterOptions validate parameters only: a poller sends no body, and
// GitHub's token auth is not what this proves.
var filterOptions = func() *openapi3filter.Options {
	o := &openapi3filter.Options{
		ExcludeRequestBody:  true,
		AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
		MultiError:          true,
		SkipSettingDefaults: true,
	}
	// The default message appends the whole schema; the reason is enough.
	o.WithCustomSchemaErrorFunc(func(e *openapi3.SchemaError) string { return e.Reason })
	return o
}()

// Check validates one request: the method and path (after the product's
// prefix, any host) name an operation of the product; every query parameter
// is declared for it and sent once (unless its schema is an array); path and
// query values match their schemas (enums, types, patterns); values of
// comma-separated list parameters are among the documented ones; per_page is
// 1..100. It returns nil or errors.Join of *Error, each naming the request,
// operation, parameter and value.
func (c *Checker) Check(method string, u *url.URL) error {
	errs := c.check(method, u)
	if len(errs) == 0 {
		return nil
	}
	return errors.Join(asErrors(errs)...)
}

func (c *Checker) check(method string, u *url.URL) []*Error {
	method = strings.ToUpper(method)
	base := Error{Product: c.product, Method: method, URL: requestURI(u)}
	fail := func(in, param, value, reason string) *Error {
		e := base
		e.In, e.Param, e.Value, e.Reason = in, param, value, reason
		return &e
	}
	info, pathParams, err := c.find(method, u)
	if err != nil {
		return []*Error{fail("", "", "", err.Error())}
	}
	base.OperationID = info.route.Operation.OperationID
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return []*Error{fail("", "", "", fmt.Sprintf("parse query: %v", err))}
	}

	var errs []*Error
	names := make([]string, 0, len(query))
	for name := range query {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		vals := query[name]
		p, ok := info.query[name]
		if !ok {
			errs = append(errs, fail("query", name, strings.Join(vals, ","),
				"not declared for this operation (declared: "+strings.Join(info.names(), ", ")+")"))
			continue
		}
		if len(vals) > 1 && !takesArray(p) {
			errs = append(errs, fail("query", name, strings.Join(vals, ","),
				fmt.Sprintf("sent %d times; the parameter takes one value", len(vals))))
		}
		for _, v := range vals {
			if reason := c.extraCheck(info, name, v); reason != "" {
				errs = append(errs, fail("query", name, v, reason))
			}
		}
	}

	req := &http.Request{Method: method, URL: &url.URL{Path: u.Path, RawQuery: u.RawQuery}, Header: http.Header{}}
	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: pathParams, Route: info.route, Options: filterOptions,
	})
	for _, e := range flatten(err) {
		re, ok := e.(*openapi3filter.RequestError)
		if !ok || re.Parameter == nil {
			errs = append(errs, fail("", "", "", e.Error()))
			continue
		}
		value := pathParams[re.Parameter.Name]
		if re.Parameter.In == openapi3.ParameterInQuery {
			value = strings.Join(query[re.Parameter.Name], ",")
		}
		errs = append(errs, fail(re.Parameter.In, re.Parameter.Name, value, reasonOf(re)))
	}
	return errs
}

// extraCheck applies the rules the descriptions state only in prose: the
// per_page bound and the documented values of comma-separated lists.
func (c *Checker) extraCheck(info *opInfo, name, v string) string {
	if name == "per_page" {
		if n, err := strconv.Atoi(v); err == nil && (n < 1 || n > maxPerPage) {
			return fmt.Sprintf("must be between 1 and %d (GitHub's documented maximum; the description declares no bound)", maxPerPage)
		}
	}
	if allowed, ok := info.lists[name]; ok {
		for _, elem := range strings.Split(v, ",") {
			if !slices.Contains(allowed, elem) {
				return fmt.Sprintf("list element %q is not one of the documented values %s", elem, strings.Join(allowed, ", "))
			}
		}
	}
	return ""
}

// names lists the operation's query parameters, sorted.
func (o *opInfo) names() []string {
	out := make([]string, 0, len(o.query))
	for n := range o.query {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// takesArray reports whether a query parameter may repeat (explode=true,
// the default for form style, with an array schema or an array alternative).
func takesArray(p *openapi3.Parameter) bool {
	if p.Schema == nil || p.Schema.Value == nil {
		return false
	}
	s := p.Schema.Value
	if s.Type.Is("array") {
		return true
	}
	for _, alt := range append(append(openapi3.SchemaRefs{}, s.OneOf...), s.AnyOf...) {
		if alt.Value != nil && alt.Value.Type.Is("array") {
			return true
		}
	}
	return false
}

// flatten unpacks kin-openapi's MultiError (possibly nested) into its errors.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	// A type assertion, not errors.As: a RequestError unwraps to its inner
	// MultiError, and unpacking that would lose which parameter it is about.
	if me, ok := err.(openapi3.MultiError); ok {
		var out []error
		for _, e := range me {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// reasonOf renders a parameter error without kin-openapi's "parameter X in Y
// has an error" prefix, which Error says itself.
func reasonOf(re *openapi3filter.RequestError) string {
	parts := []string{}
	if re.Reason != "" {
		parts = append(parts, re.Reason)
	}
	if re.Err != nil {
		var msgs []string
		for _, e := range flatten(re.Err) {
			msgs = append(msgs, e.Error())
		}
		if m := strings.Join(msgs, "; "); m != re.Reason {
			parts = append(parts, m)
		}
	}
	return strings.Join(parts, ": ")
}

func asErrors(errs []*Error) []error {
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return out
}
