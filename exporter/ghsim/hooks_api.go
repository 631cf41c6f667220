package ghsim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// deliveryJSON is GitHub's hook-delivery-item.
type deliveryJSON struct {
	ID             int64   `json:"id"`
	GUID           string  `json:"guid"`
	DeliveredAt    string  `json:"delivered_at"`
	Redelivery     bool    `json:"redelivery"`
	Duration       float64 `json:"duration"`
	Status         string  `json:"status"`
	StatusCode     int     `json:"status_code"`
	Event          string  `json:"event"`
	Action         *string `json:"action"`
	InstallationID *int64  `json:"installation_id"`
	RepositoryID   *int64  `json:"repository_id"`
	ThrottledAt    *string `json:"throttled_at"`
}

// routeHooks serves the hook deliveries API:
//
//	GET  /orgs/{org}/hooks/{id}/deliveries, /repos/{o}/{r}/hooks/{id}/deliveries, /app/hook/deliveries
//	POST …/deliveries/{delivery_id}/attempts (redeliver)
//
// ok is false for other paths. Caller holds s.mu.
func (s *Sim) routeHooks(r *http.Request, seg []string) (*response, bool) {
	var h *hook
	var rest []string
	switch {
	case len(seg) >= 5 && seg[0] == "orgs" && seg[2] == "hooks" && seg[4] == "deliveries":
		h, rest = s.hookByID(seg[3], func(h *hook) bool { return h.Org == seg[1] }), seg[5:]
	case len(seg) >= 6 && seg[0] == "repos" && seg[3] == "hooks" && seg[5] == "deliveries":
		h, rest = s.hookByID(seg[4], func(h *hook) bool { return h.Repo == seg[1]+"/"+seg[2] }), seg[6:]
	case len(seg) >= 3 && seg[0] == "app" && seg[1] == "hook" && seg[2] == "deliveries":
		h, rest = s.hookByID("", func(h *hook) bool { return h.App }), seg[3:]
	case len(seg) == 4 && seg[0] == "app" && seg[1] == "installations" && seg[3] == "access_tokens" && r.Method == http.MethodPost:
		return s.serveInstallationToken(s.Now()), true
	default:
		return nil, false
	}
	if h == nil {
		return errResponse(notFound()), true
	}
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		return s.serveDeliveries(r, h), true
	case len(rest) == 2 && rest[1] == "attempts" && r.Method == http.MethodPost:
		return s.redeliver(h, rest[0]), true
	}
	return errResponse(notFound()), true
}

func (s *Sim) hookByID(id string, match func(*hook) bool) *hook {
	for _, h := range s.hooks {
		if match(h) && (id == "" || strconv.FormatInt(h.id, 10) == id) {
			return h
		}
	}
	return nil
}

// serveDeliveries lists a hook's attempted deliveries newest first, paged
// by cursor (the id to continue after) like GitHub.
func (s *Sim) serveDeliveries(r *http.Request, h *hook) *response {
	q := r.URL.Query()
	per := 30
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return errResponse(validationFailed("per_page", "must be between 1 and 100"))
		}
		per = n
	}
	after := int64(-1)
	if c := q.Get("cursor"); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil {
			return errResponse(validationFailed("cursor", "invalid cursor"))
		}
		after = n
	}
	var items []deliveryJSON
	var last int64
	more := false
	for i := len(s.deliveries) - 1; i >= 0; i-- {
		d := s.deliveries[i]
		if d.HookID != h.id || !d.Attempted || (after >= 0 && d.ID >= after) {
			continue
		}
		if len(items) == per {
			more = true
			break
		}
		action, repoID := d.Action, d.RepoID
		items = append(items, deliveryJSON{
			ID: d.ID, GUID: d.GUID, DeliveredAt: d.DeliveredAt.UTC().Format(time.RFC3339), Redelivery: d.Redelivery,
			Duration: 0.05, Status: d.Status, StatusCode: d.StatusCode, Event: d.Event, Action: &action, RepositoryID: &repoID,
		})
		last = d.ID
	}
	if items == nil {
		items = []deliveryJSON{}
	}
	body, _ := json.Marshal(items)
	resp := okResponse(body)
	if more {
		u := *r.URL
		v := u.Query()
		v.Set("cursor", strconv.FormatInt(last, 10))
		u.RawQuery = v.Encode()
		resp.header.Set("Link", "<"+absURL(r, &u)+`>; rel="next"`)
	}
	return resp
}

func absURL(r *http.Request, u *url.URL) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + u.RequestURI()
}

// redeliver queues a new attempt of a delivery: same GUID and payload,
// redelivery true. GitHub answers 202 and sends it shortly after.
func (s *Sim) redeliver(h *hook, id string) *response {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return errResponse(notFound())
	}
	for _, d := range s.deliveries {
		if d.ID == n && d.HookID == h.id {
			s.deliveries = append(s.deliveries, &HookDelivery{
				ID: s.newID(), GUID: d.GUID, HookID: h.id, Event: d.Event, Action: d.Action,
				Redelivery: true, Body: d.Body, RepoID: d.RepoID,
			})
			s.redeliveries++
			return &response{status: http.StatusAccepted, body: []byte("{}"), header: http.Header{}}
		}
	}
	return errResponse(notFound())
}

// Redeliveries is how many redeliveries were requested through the API.
func (s *Sim) Redeliveries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.redeliveries
}

// hookSegments splits a request path (prefix removed) for routeHooks.
func hookSegments(path, prefix string) ([]string, bool) {
	if prefix != "" {
		rest, ok := strings.CutPrefix(path, prefix)
		if !ok {
			return nil, false
		}
		path = rest
	}
	return strings.Split(strings.Trim(path, "/"), "/"), true
}
