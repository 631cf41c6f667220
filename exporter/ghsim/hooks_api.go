package ghsim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
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

// hookByID finds the hook with that id ("" for any) that match accepts, for
// the hook deliveries API (routes):
//
//	GET  /orgs/{org}/hooks/{id}/deliveries, /repos/{o}/{r}/hooks/{id}/deliveries, /app/hook/deliveries
//	POST …/deliveries/{delivery_id}/attempts (redeliver)
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
