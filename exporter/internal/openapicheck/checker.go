package openapicheck

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy/pathpattern"
)

// Checker validates requests against one product's OpenAPI description.
// It is read-only after Load and safe for concurrent use.
type Checker struct {
	product string
	prefix  string // "/" or "/api/v3"
	doc     *openapi3.T
	routes  *pathpattern.Node // "METHOD /path/{var}" → *opInfo
	methods map[string]bool   // methods some operation uses, for "method not allowed"
}

// opInfo is one operation with its parameters indexed for Check.
type opInfo struct {
	route *routers.Route
	// query holds every declared query parameter (path item and operation).
	query map[string]*openapi3.Parameter
	// lists holds, for comma-separated string parameters whose description
	// documents the values ("Can be: `a`, `b`"), the allowed values.
	lists map[string][]string
}

// Product returns the product name the Checker was loaded for.
func (c *Checker) Product() string { return c.product }

// newChecker indexes doc's operations by method and path pattern, the way
// kin-openapi's legacy router does, without its whole-document validation:
// GitHub's descriptions carry examples that do not match their own schemas.
func newChecker(product string, doc *openapi3.T) (*Checker, error) {
	c := &Checker{product: product, prefix: Products[product], doc: doc,
		routes: &pathpattern.Node{}, methods: map[string]bool{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			info := &opInfo{
				route: &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op},
				query: map[string]*openapi3.Parameter{},
				lists: map[string][]string{},
			}
			for _, params := range []openapi3.Parameters{item.Parameters, op.Parameters} {
				for _, ref := range params {
					p := ref.Value
					if p == nil || p.In != openapi3.ParameterInQuery {
						continue
					}
					info.query[p.Name] = p
					if vals := documentedList(p); vals != nil {
						info.lists[p.Name] = vals
					}
				}
			}
			if err := c.routes.Add(method+" "+path, info, nil); err != nil {
				return nil, fmt.Errorf("index %s %s: %w", method, path, err)
			}
			c.methods[method] = true
		}
	}
	return c, nil
}

// find resolves a request to its operation and path parameters.
func (c *Checker) find(method string, u *url.URL) (*opInfo, map[string]string, error) {
	method = strings.ToUpper(method)
	// Match on the escaped path so an encoded "/" inside a value (%2F) stays
	// inside its segment; values are unescaped below.
	path := u.EscapedPath()
	if c.prefix != "/" {
		rest, ok := strings.CutPrefix(path, c.prefix)
		if !ok || (rest != "" && rest[0] != '/') {
			return nil, nil, fmt.Errorf("path %s does not start with %s, where %s serves its REST API", path, c.prefix, c.product)
		}
		path = rest
	}
	if len(path) > 1 && strings.HasSuffix(path, "/") {
		// pathpattern ignores trailing slashes; GitHub's paths have none.
		return nil, nil, fmt.Errorf("path %s has a trailing slash", path)
	}
	if node, vals := c.routes.Match(method + " " + path); node != nil {
		if info, ok := node.Value.(*opInfo); ok {
			params := make(map[string]string, len(vals))
			for i, v := range vals {
				name := strings.TrimSuffix(node.VariableNames[i], "*")
				if v == "" {
					return nil, nil, fmt.Errorf("path parameter %q of %s is empty", name, info.route.Path)
				}
				uv, err := url.PathUnescape(v)
				if err != nil {
					return nil, nil, fmt.Errorf("path parameter %q = %q: %w", name, v, err)
				}
				params[name] = uv
			}
			return info, params, nil
		}
	}
	var others []string
	for m := range c.methods {
		if m == method {
			continue
		}
		if node, _ := c.routes.Match(m + " " + path); node != nil {
			if info, ok := node.Value.(*opInfo); ok {
				others = append(others, m+" "+info.route.Path)
			}
		}
	}
	if len(others) > 0 {
		sort.Strings(others)
		return nil, nil, fmt.Errorf("no %s operation matches %s (only %s)", method, path, strings.Join(others, ", "))
	}
	return nil, nil, fmt.Errorf("no operation matches %s %s in the %s description", method, path, c.product)
}

// OperationID returns the operationId ("dependabot/list-alerts-for-org") of
// the operation u resolves to, or an error naming the request when the
// product has no such operation.
func (c *Checker) OperationID(method string, u *url.URL) (string, error) {
	info, _, err := c.find(method, u)
	if err != nil {
		return "", &Error{Product: c.product, Method: strings.ToUpper(method), URL: requestURI(u), Reason: err.Error()}
	}
	return info.route.Operation.OperationID, nil
}

// requestURI is u without scheme and host, for error messages.
func requestURI(u *url.URL) string {
	if u.RawQuery == "" {
		return u.EscapedPath()
	}
	return u.EscapedPath() + "?" + u.RawQuery
}
