package ghsim

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// isAppJWT reports whether r is an /app/ request carrying a GitHub App JWT
// (a bearer of three dot-separated parts): GitHub accepts those there, and
// only there. The signature is not checked: the simulator holds no App key.
func (s *Sim) isAppJWT(r *http.Request) bool {
	scheme, v, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "bearer") && strings.Count(v, ".") == 2 &&
		strings.HasPrefix(r.URL.Path, s.prefix+"/app/")
}

// serveInstallationToken answers POST /app/installations/{id}/access_tokens
// with the simulator's token, so App-authenticated clients can poll it.
func (s *Sim) serveInstallationToken(now time.Time) *response {
	tok := s.opts.Token
	if tok == "" {
		tok = "ghs_simulatorinstallationtoken"
	}
	body, _ := json.Marshal(map[string]any{
		"token": tok, "expires_at": ts(now.Add(time.Hour)), "permissions": map[string]string{"security_events": "read", "vulnerability_alerts": "read", "secret_scanning_alerts": "read"},
		"repository_selection": "all",
	})
	return &response{status: http.StatusCreated, body: body, header: http.Header{}}
}
