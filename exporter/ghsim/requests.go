package ghsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RequestExpiry is how long a request waits for a review before GitHub
// expires it.
const RequestExpiry = 7 * 24 * time.Hour

// Request kinds and targets, as the exporter names them.
const (
	RequestDismissal = "dismissal"
	RequestBypass    = "bypass"
)

// RequestSpec describes a new dismissal or bypass request.
type RequestSpec struct {
	Kind   string // RequestDismissal or RequestBypass
	Target string // code_scanning, dependabot, secret_scanning, push_rules
	Repo   string // owner/name (created when missing)
	// Requester is the login asking; Comment and Reason are theirs.
	Requester, Comment, Reason string
	// AlertNumber is the alert a dismissal concerns.
	AlertNumber int
	At          time.Time // created_at; zero = Now()
}

// simRequest is one request. Its status is derived: pending until a review
// or an end, expired once RequestExpiry passed without one.
type simRequest struct {
	id     int64
	number int
	spec   RequestSpec
	repo   *repo

	created time.Time
	ended   string // cancelled or completed
	reviews []simReview
}

type simReview struct {
	id       int64
	reviewer string
	status   string // approved, denied, dismissed
	comment  string
	at       time.Time
}

// requestTypes are GitHub's request_type values per kind and target.
var requestTypes = map[[2]string]string{
	{RequestDismissal, "code_scanning"}:   "code_scanning_alert_dismissal",
	{RequestDismissal, "dependabot"}:      "dependabot_alert_dismissal",
	{RequestDismissal, "secret_scanning"}: "secret_scanning_closure",
	{RequestBypass, "secret_scanning"}:    "secret_scanning",
	{RequestBypass, "push_rules"}:         "push_ruleset_bypass",
}

// CreateRequest adds a pending request and returns its number: per
// repository, starting at 1, not its alert's number.
func (s *Sim) CreateRequest(spec RequestSpec) (int, error) {
	if _, ok := requestTypes[[2]string{spec.Kind, spec.Target}]; !ok {
		return 0, fmt.Errorf("create %s request for %s: %w", spec.Kind, spec.Target, ErrUnsupported)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repoLocked(spec.Repo)
	rq := &simRequest{id: s.newID(), spec: spec, repo: r, created: now}
	if !spec.At.IsZero() {
		rq.created = spec.At.UTC().Truncate(time.Second)
	}
	for _, x := range s.reqs {
		if x.repo == r {
			rq.number = max(rq.number, x.number)
		}
	}
	rq.number++
	s.reqs = append(s.reqs, rq)
	s.requestHooks(rq, "created", nil, spec.Requester)
	return rq.number, nil
}

// ReviewRequest records a reviewer's response: approve or deny.
func (s *Sim) ReviewRequest(repoName string, number int, reviewer string, approve bool, comment string) error {
	status := "denied"
	if approve {
		status = "approved"
	}
	return s.mutateRequest(repoName, number, func(rq *simRequest, now time.Time) (string, *simReview) {
		rq.reviews = append(rq.reviews, simReview{id: s.newID(), reviewer: reviewer, status: status, comment: comment, at: now})
		return "response_submitted", &rq.reviews[len(rq.reviews)-1]
	}, reviewer)
}

// CancelRequest is the requester withdrawing the request.
func (s *Sim) CancelRequest(repoName string, number int) error {
	return s.mutateRequest(repoName, number, func(rq *simRequest, _ time.Time) (string, *simReview) {
		rq.ended = "cancelled"
		return "cancelled", nil
	}, "")
}

// CompleteRequest is the approved push made (bypass) or the alert closed
// (dismissal).
func (s *Sim) CompleteRequest(repoName string, number int) error {
	return s.mutateRequest(repoName, number, func(rq *simRequest, _ time.Time) (string, *simReview) {
		rq.ended = "completed"
		return "completed", nil
	}, "")
}

func (s *Sim) mutateRequest(repoName string, number int, f func(rq *simRequest, now time.Time) (string, *simReview), sender string) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rq := range s.reqs {
		if rq.repo.full == repoName && rq.number == number {
			action, rv := f(rq, now)
			if sender == "" {
				sender = rq.spec.Requester
			}
			s.requestHooks(rq, action, rv, sender)
			return nil
		}
	}
	return fmt.Errorf("request %s#%d: %w", repoName, number, ErrNotFound)
}

// status is the request's status at now, in the REST lists' spelling.
func (rq *simRequest) status(now time.Time) string {
	if rq.ended != "" {
		return rq.ended
	}
	for i := len(rq.reviews) - 1; i >= 0; i-- {
		if st := rq.reviews[i].status; st != "dismissed" {
			return st
		}
	}
	if !now.Before(rq.created.Add(RequestExpiry)) {
		return "expired"
	}
	return "pending"
}

// SetRequestsMissing makes every request list of org (and its
// repositories) answer 404, as GitHub does for a plan without them.
func (s *Sim) SetRequestsMissing(org string, missing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.noRequests == nil {
		s.noRequests = map[string]bool{}
	}
	s.noRequests[org] = missing
}

// requestListsServed reports whether the product has request list path
// (e.g. "dismissal-requests/dependabot") at scope sc: GHEC has them all;
// GHES 3.19 all but the enterprise dismissal list; github.com and GHES 3.15
// none (GitHub's descriptions).
func (s *Sim) requestListsServed(sc scope, path string) bool {
	switch s.opts.Product {
	case ProductGHEC:
		return true
	case ProductGHES:
		return s.opts.GHESVersion != "3.15" && !(sc == scopeEnterprise && strings.HasPrefix(path, "dismissal-"))
	}
	return false
}

// requestRoutes registers the request lists (GHEC and GHES 3.17+; others
// answer GitHub's 404 through the same routes).
func (s *Sim) requestRoutes(read func(path string, fn routeFunc)) {
	for pair := range requestTypes {
		seg := pair[0] + "-requests/" + strings.ReplaceAll(pair[1], "_", "-")
		read("/repos/{owner}/{repo}/"+seg, func(r *http.Request, now time.Time) *response {
			return s.serveRequests(r, now, scopeRepo, repoName(r), pair, seg)
		})
		read("/orgs/{org}/"+seg, func(r *http.Request, now time.Time) *response {
			return s.serveRequests(r, now, scopeOrg, r.PathValue("org"), pair, seg)
		})
		if pair[0] == RequestBypass || pair[1] == "secret_scanning" {
			read("/enterprises/{enterprise}/"+seg, func(r *http.Request, now time.Time) *response {
				return s.serveRequests(r, now, scopeEnterprise, r.PathValue("enterprise"), pair, seg)
			})
		}
	}
}

// requestStatuses are the request_status values each list accepts
// (GitHub's descriptions); anything else is 422.
func requestStatuses(pair [2]string) []string {
	switch {
	case pair == [2]string{RequestDismissal, "code_scanning"}:
		return []string{"open", "approved", "expired", "denied", "all"}
	case pair[0] == RequestBypass:
		return []string{"completed", "cancelled", "approved", "expired", "deleted", "denied", "open", "all"}
	}
	return []string{"completed", "cancelled", "approved", "expired", "denied", "open", "all"}
}

var requestPeriods = map[string]time.Duration{"hour": time.Hour, "day": 24 * time.Hour, "week": 7 * 24 * time.Hour, "month": 30 * 24 * time.Hour}

// serveRequests answers a request list: newest first, page numbers only,
// filtered by request_status (default all; GitHub ignores "status") and
// time_period (created within it; default month for code scanning
// dismissals, day for the others). Caller holds s.mu.
func (s *Sim) serveRequests(r *http.Request, now time.Time, sc scope, name string, pair [2]string, seg string) *response {
	if !s.requestListsServed(sc, seg) {
		return errResponse(notFound())
	}
	repos, ok := s.scopeRepos(sc, name)
	if !ok {
		return errResponse(notFound())
	}
	q := r.URL.Query()
	status := q.Get("request_status")
	if status == "" {
		status = "all"
	}
	if !slices.Contains(requestStatuses(pair), status) {
		return errResponse(validationFailed("request_status", "request_status must be one of "+strings.Join(requestStatuses(pair), ", ")))
	}
	period := q.Get("time_period")
	if period == "" {
		period = "day"
		if pair == [2]string{RequestDismissal, "code_scanning"} {
			period = "month"
		}
	}
	window, ok := requestPeriods[period]
	if !ok {
		return errResponse(validationFailed("time_period", "time_period must be one of hour, day, week, month"))
	}
	pr := pageReq{perPage: 30, page: 1} // page numbers only
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errResponse(validationFailed("per_page", "per_page must be a positive integer"))
		}
		pr.perPage = min(n, 100)
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errResponse(validationFailed("page", "page must be a positive integer"))
		}
		pr.page = n
	}
	if sc == scopeOrg && s.noRequests[name] {
		return errResponse(notFound())
	}
	in := map[*repo]bool{}
	for _, rp := range repos {
		if s.noRequests[rp.org.login] {
			return errResponse(notFound())
		}
		in[rp] = true
	}
	var items []*simRequest
	for _, rq := range s.reqs {
		st := rq.status(now)
		if !in[rq.repo] || rq.spec.Kind != pair[0] || rq.spec.Target != pair[1] || rq.created.Before(now.Add(-window)) {
			continue
		}
		if status != "all" && st != status && !(status == "open" && st == "pending") {
			continue
		}
		items = append(items, rq)
	}
	slices.SortFunc(items, func(a, b *simRequest) int { return b.created.Compare(a.created) })
	b := s.basesFor(r)
	start, end := pr.window(len(items), nil)
	out := make([]any, 0, end-start)
	for _, rq := range items[start:end] {
		out = append(out, s.renderRequest(rq, now, b, pair))
	}
	body, _ := json.Marshal(out)
	resp := okResponse(body)
	last := max(1, (len(items)+pr.perPage-1)/pr.perPage)
	if link := pr.linkHeader(r, len(items), start, end, nil, false); link != "" && pr.page <= last {
		resp.header.Set("Link", link)
	}
	return resp
}

// renderRequest is a request in the REST lists' shape.
func (s *Sim) renderRequest(rq *simRequest, now time.Time, b bases, pair [2]string) map[string]any {
	actor := func(login string) map[string]any {
		return map[string]any{"actor_id": stableID(login), "actor_name": login}
	}
	data := map[string]any{}
	switch pair {
	case [2]string{RequestDismissal, "dependabot"}:
		// a string, as the descriptions declare (their examples send
		// numbers; the client reads both)
		data["alert_number"] = strconv.Itoa(rq.spec.AlertNumber)
		data["reason"] = rq.spec.Reason
		data["alert_title"] = "alert " + strconv.Itoa(rq.spec.AlertNumber)
	case [2]string{RequestDismissal, "code_scanning"}:
		data["alert_number"] = strconv.Itoa(rq.spec.AlertNumber)
		data["reason"] = rq.spec.Reason
	case [2]string{RequestDismissal, "secret_scanning"}:
		data["alert_number"] = strconv.Itoa(rq.spec.AlertNumber)
		data["reason"] = rq.spec.Reason
		data["secret_type"] = "github_personal_access_token"
	case [2]string{RequestBypass, "secret_scanning"}:
		data["secret_type"] = "github_personal_access_token"
		data["bypass_reason"] = rq.spec.Reason
		data["path"] = "README.md:1:0"
		data["branch"] = "refs/heads/main"
	default:
		data["ruleset_id"] = 410
		data["ruleset_name"] = "Protect main"
		data["total_violations"] = 1
		data["rule_type"] = "file_extension_restriction"
	}
	responses := []any{}
	for _, rv := range rq.reviews {
		responses = append(responses, map[string]any{"id": rv.id, "reviewer": actor(rv.reviewer), "status": rv.status,
			"message": rv.comment, "created_at": ts(rv.at)})
	}
	var comment any
	if rq.spec.Comment != "" {
		comment = rq.spec.Comment
	}
	path := strings.ReplaceAll(pair[1], "_", "-")
	return map[string]any{
		"id": rq.id, "number": rq.number,
		"repository":   map[string]any{"id": rq.repo.id, "name": rq.repo.name, "full_name": rq.repo.full},
		"organization": map[string]any{"id": rq.repo.org.id, "name": rq.repo.org.login},
		"requester":    actor(rq.spec.Requester), "request_type": requestTypes[pair], "data": []any{data},
		"resource_identifier": strconv.Itoa(rq.number), "status": rq.status(now), "requester_comment": comment,
		"expires_at": ts(rq.created.Add(RequestExpiry)), "created_at": ts(rq.created), "responses": responses,
		"url":      b.api + "/repos/" + rq.repo.full + "/" + pair[0] + "-requests/" + path + "/" + strconv.Itoa(rq.number),
		"html_url": b.web + "/" + rq.repo.full + "/exemptions/" + strconv.Itoa(rq.number),
	}
}

// requestEvents are the webhook events of requests (GitHub's OpenAPI
// description names the push protection one bypass_request_secret_scanning,
// its documentation exemption_request_secret_scanning; the simulator sends
// the documented name).
var requestEvents = map[[2]string]string{
	{RequestDismissal, "code_scanning"}:   "dismissal_request_code_scanning",
	{RequestDismissal, "dependabot"}:      "dismissal_request_dependabot",
	{RequestDismissal, "secret_scanning"}: "dismissal_request_secret_scanning",
	{RequestBypass, "secret_scanning"}:    "exemption_request_secret_scanning",
	{RequestBypass, "push_rules"}:         "exemption_request_push_ruleset",
}

// requestHooks queues a delivery of a request event to every hook whose
// scope covers the request's repository. Caller holds s.mu.
func (s *Sim) requestHooks(rq *simRequest, action string, rv *simReview, sender string) {
	pair := [2]string{rq.spec.Kind, rq.spec.Target}
	now := s.now()
	s.forHooks(rq.repo, func(h *hook, b bases) {
		payload := map[string]any{
			"action": action, "exemption_request": s.renderHookRequest(rq, now, b, pair),
			"repository":   json.RawMessage(s.repoRaw(b, rq.repo)),
			"organization": orgJSON(rq.repo.org),
			"sender":       json.RawMessage(s.userRaw(b, sender)),
		}
		if rv != nil {
			payload["exemption_response"] = hookResponse(rv)
		}
		body, _ := json.Marshal(payload)
		s.queueDelivery(h, requestEvents[pair], action, body, rq.repo)
	})
}

// hookStatuses are the webhook spellings of a request's status: webhooks
// say rejected, and keep a reviewed request pending.
var hookStatuses = map[string]string{"denied": "rejected", "approved": "pending", "expired": "pending"}

func hookResponse(rv *simReview) map[string]any {
	st := rv.status
	if st == "denied" {
		st = "rejected"
	}
	r := map[string]any{"id": rv.id, "reviewer_id": stableID(rv.reviewer), "reviewer_login": rv.reviewer,
		"status": st, "created_at": ts(rv.at)}
	if rv.comment != "" {
		r["reviewer_comment"] = rv.comment
	}
	return r
}

// renderHookRequest is a request in the webhooks' exemption_request shape.
func (s *Sim) renderHookRequest(rq *simRequest, now time.Time, b bases, pair [2]string) map[string]any {
	var data map[string]any
	meta := map[string]any{"reason": rq.spec.Reason}
	switch pair {
	case [2]string{RequestBypass, "push_rules"}:
		data = map[string]any{"ruleset_id": 410, "ruleset_name": "Protect main", "total_violations": 1, "rule_type": "file_extension_restriction"}
		meta = nil
	case [2]string{RequestBypass, "secret_scanning"}:
		data = map[string]any{"secret_type": "github_personal_access_token",
			"locations": []any{map[string]any{"path": "README.md", "start_line": 1, "end_line": 1, "start_column": 1, "end_column": 40}}}
		meta["label"] = "GitHub Personal Access Token"
	case [2]string{RequestDismissal, "secret_scanning"}:
		data = map[string]any{"reason": rq.spec.Reason, "secret_type": "github_personal_access_token", "alert_number": strconv.Itoa(rq.spec.AlertNumber)}
		meta["alert_title"] = "GitHub Personal Access Token"
	default:
		data = map[string]any{"alert_number": strconv.Itoa(rq.spec.AlertNumber)}
		meta["alert_title"] = "alert " + strconv.Itoa(rq.spec.AlertNumber)
	}
	st := rq.status(now)
	if h, ok := hookStatuses[st]; ok {
		st = h
	}
	responses := []any{}
	for i := range rq.reviews {
		responses = append(responses, hookResponse(&rq.reviews[i]))
	}
	out := map[string]any{
		"id": rq.id, "number": rq.number, "repository_id": rq.repo.id,
		"requester_id": stableID(rq.spec.Requester), "requester_login": rq.spec.Requester,
		"request_type":           requestTypes[pair],
		"exemption_request_data": map[string]any{"type": requestTypes[pair], "data": []any{data}},
		"resource_identifier":    strconv.Itoa(rq.number), "status": st,
		"expires_at": ts(rq.created.Add(RequestExpiry)), "created_at": ts(rq.created), "responses": responses,
		"html_url": b.web + "/" + rq.repo.full + "/exemptions/" + strconv.Itoa(rq.number),
	}
	if rq.spec.Comment != "" {
		out["requester_comment"] = rq.spec.Comment
	}
	if meta != nil {
		out["metadata"] = meta
	}
	return out
}
