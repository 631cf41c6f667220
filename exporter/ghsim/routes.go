package ghsim

import (
	"net/http"
	"strings"
	"time"
)

// routeFunc answers a request the router matched. Caller holds s.mu.
type routeFunc func(r *http.Request, now time.Time) *response

// routes builds the simulator's router: GitHub's paths as net/http patterns,
// each served through the request pipeline (endpoint). Patterns carry the
// product's prefix (/api/v3 on GHES); a GET pattern also answers HEAD, as
// GitHub does. Every request no pattern matches, whatever its method, reaches
// "/", which answers GitHub's 404 JSON: the mux never answers with its own
// plain-text 404 or 405, and an unknown path is recorded, authenticated and
// rate limited like a known one.
func (s *Sim) routes() *http.ServeMux {
	mux := http.NewServeMux()
	p := s.prefix
	handle := func(pattern string, fn routeFunc) { mux.Handle(pattern, endpoint{s: s, fn: fn}) }
	// read routes are the ones a Deny can refuse.
	read := func(path string, fn routeFunc) { handle("GET "+p+path, s.denyFirst(fn)) }

	mux.Handle("GET "+p+"/rate_limit", endpoint{s: s, fn: s.serveRateLimit, free: true})
	read("/meta", s.serveMeta)
	for _, kind := range Kinds {
		seg := kind.segment()
		read("/repos/{owner}/{repo}/"+seg+"/alerts", func(r *http.Request, _ time.Time) *response {
			return s.serveList(r, kind, scopeRepo, repoName(r))
		})
		read("/repos/{owner}/{repo}/"+seg+"/alerts/{number}", func(r *http.Request, _ time.Time) *response {
			return s.serveAlert(r, kind, repoName(r), r.PathValue("number"))
		})
		read("/orgs/{org}/"+seg+"/alerts", func(r *http.Request, _ time.Time) *response {
			return s.serveList(r, kind, scopeOrg, r.PathValue("org"))
		})
		read("/enterprises/{enterprise}/"+seg+"/alerts", func(r *http.Request, _ time.Time) *response {
			return s.serveList(r, kind, scopeEnterprise, r.PathValue("enterprise"))
		})
	}
	read("/orgs/{org}/audit-log", func(r *http.Request, now time.Time) *response {
		org := r.PathValue("org")
		if s.noAudit[org] {
			return errResponse(notFound())
		}
		return s.serveAudit(r, now, scopeOrg, org)
	})
	s.requestRoutes(read)
	read("/enterprises/{enterprise}/audit-log", func(r *http.Request, now time.Time) *response {
		return s.serveAudit(r, now, scopeEnterprise, r.PathValue("enterprise"))
	})

	// The hook deliveries API (see hooks_api.go); a Deny does not reach it.
	for _, h := range []struct {
		path string
		find func(r *http.Request) *hook
	}{
		{"/orgs/{org}/hooks/{id}", func(r *http.Request) *hook {
			return s.hookByID(r.PathValue("id"), func(h *hook) bool { return h.Org == r.PathValue("org") })
		}},
		{"/repos/{owner}/{repo}/hooks/{id}", func(r *http.Request) *hook {
			return s.hookByID(r.PathValue("id"), func(h *hook) bool { return h.Repo == repoName(r) })
		}},
		{"/app/hook", func(*http.Request) *hook { return s.hookByID("", func(h *hook) bool { return h.App }) }},
	} {
		handle("GET "+p+h.path+"/deliveries", func(r *http.Request, _ time.Time) *response {
			if hk := h.find(r); hk != nil {
				return s.serveDeliveries(r, hk)
			}
			return errResponse(notFound())
		})
		handle("POST "+p+h.path+"/deliveries/{delivery}/attempts", func(r *http.Request, _ time.Time) *response {
			if hk := h.find(r); hk != nil {
				return s.redeliver(hk, r.PathValue("delivery"))
			}
			return errResponse(notFound())
		})
	}
	handle("POST "+p+"/app/installations/{id}/access_tokens", func(_ *http.Request, now time.Time) *response {
		return s.serveInstallationToken(now)
	})

	handle("/", s.unrouted)
	return mux
}

// repoName is the "owner/repo" of a request matched by a /repos/ pattern.
func repoName(r *http.Request) string { return r.PathValue("owner") + "/" + r.PathValue("repo") }

// denyFirst makes fn answer 403 on a path a Deny names.
func (s *Sim) denyFirst(fn routeFunc) routeFunc {
	return func(r *http.Request, now time.Time) *response {
		if resp := s.denied(strings.TrimPrefix(r.URL.Path, s.prefix)); resp != nil {
			return resp
		}
		return fn(r, now)
	}
}

// unrouted answers what no route matched: GitHub's 404, or the 403 of a
// Deny for a read under the product's prefix (a denial names a path, not a
// route, so it refuses unknown paths too).
func (s *Sim) unrouted(r *http.Request, _ time.Time) *response {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if path, ok := strings.CutPrefix(r.URL.Path, s.prefix); ok {
			if resp := s.denied(path); resp != nil {
				return resp
			}
		}
	}
	return errResponse(notFound())
}
