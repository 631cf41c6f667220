package ghsim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Hook is a webhook GitHub would deliver alert events to: an org hook, a
// repository hook, or the GitHub App's own hook.
type Hook struct {
	URL    string
	Secret []byte
	// Org or Repo scopes the hook (and names its deliveries API); App makes
	// it the App's hook (/app/hook/deliveries), receiving every repository.
	Org  string
	Repo string
	App  bool
	// APIBase is the simulator's own root URL (e.g. httptest's URL), so url
	// fields in payloads match what the REST API serves there.
	APIBase string
}

// HookDelivery is one delivery attempt of a hook, as GitHub's deliveries
// API lists it.
type HookDelivery struct {
	ID          int64
	GUID        string
	HookID      int64
	Event       string
	Action      string
	Redelivery  bool
	Body        []byte
	Attempted   bool
	DeliveredAt time.Time
	StatusCode  int // 0: could not connect (or dropped)
	Status      string
	RepoID      int64
}

type hook struct {
	Hook
	id int64
}

// AddHook registers a hook and returns its id. From then on every alert
// change of its scope queues a delivery; nothing is sent until
// SendPending or SendDelivery.
func (s *Sim) AddHook(h Hook) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := 10000000 + s.newID()
	s.hooks = append(s.hooks, &hook{Hook: h, id: id})
	return id
}

// hookAction is the webhook action GitHub sends for a mutation op of kind;
// "" sends none.
func hookAction(kind Kind, op, prevState string) string {
	switch op {
	case "create":
		return "created"
	case "dismiss":
		if kind == CodeScanning {
			return "closed_by_user"
		}
		return "dismissed"
	case "auto-dismiss":
		return "auto_dismissed"
	case "fix":
		return "fixed"
	case "resolve":
		return "resolved"
	case "reopen":
		switch {
		case kind == CodeScanning && prevState == "fixed":
			return "reopened"
		case kind == CodeScanning:
			return "reopened_by_user"
		case kind == Dependabot && prevState == "auto_dismissed":
			return "auto_reopened"
		case kind == Dependabot && prevState == "fixed":
			return "reintroduced"
		}
		return "reopened"
	case "set validity of":
		return "validated"
	case "leak":
		return "publicly_leaked"
	case "assign":
		return "assigned"
	case "unassign":
		return "unassigned"
	}
	return ""
}

var hookEvents = map[Kind]string{Dependabot: "dependabot_alert", CodeScanning: "code_scanning_alert", SecretScanning: "secret_scanning_alert"}

// queueHooks queues a delivery of a's current state to every hook whose
// scope covers it. Caller holds s.mu.
func (s *Sim) queueHooks(a *alert, op, prevState, sender string) {
	action := hookAction(a.kind, op, prevState)
	if action == "" {
		return
	}
	if sender == "" {
		sender = "github"
	}
	s.forHooks(a.repo, func(h *hook, b bases) {
		var buf bytes.Buffer
		buf.WriteString(`{"action":`)
		act, _ := json.Marshal(action)
		buf.Write(act)
		buf.WriteString(`,"alert":`)
		buf.Write(s.appendAlert(nil, a, b, false, true))
		buf.WriteString(`,"repository":`)
		buf.Write(s.repoRaw(b, a.repo))
		org, _ := json.Marshal(orgJSON(a.repo.org))
		buf.WriteString(`,"organization":`)
		buf.Write(org)
		buf.WriteString(`,"sender":`)
		buf.Write(s.userRaw(b, sender))
		buf.WriteString(`}`)
		s.queueDelivery(h, hookEvents[a.kind], action, buf.Bytes(), a.repo)
	})
}

// forHooks calls fn for every hook whose scope covers repository r, with
// the bases the hook's payloads link to. Caller holds s.mu.
func (s *Sim) forHooks(r *repo, fn func(h *hook, b bases)) {
	for _, h := range s.hooks {
		if !h.App && h.Org != r.org.login && h.Repo != r.full {
			continue
		}
		fn(h, s.basesAt(h.APIBase))
	}
}

// queueDelivery queues a delivery of event to hook h about repository r.
// Caller holds s.mu.
func (s *Sim) queueDelivery(h *hook, event, action string, body []byte, r *repo) {
	s.deliveries = append(s.deliveries, &HookDelivery{
		ID: s.newID(), GUID: s.guid(), HookID: h.id, Event: event, Action: action,
		Body: body, RepoID: stableID(r.full),
	})
}

// orgJSON is the organization object of a webhook payload.
func orgJSON(o *org) map[string]any {
	return map[string]any{"login": o.login, "id": o.id, "node_id": nodeID("012:Organization", o.id)}
}

// guid is a delivery GUID in GitHub's format. Caller holds s.mu.
func (s *Sim) guid() string {
	x, y := s.random(), s.random()
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", uint32(x), uint16(x>>32), uint16(x>>48), uint16(y), y>>16&0xffffffffffff)
}

// PendingDeliveries lists the deliveries not yet attempted, oldest first.
func (s *Sim) PendingDeliveries() []HookDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []HookDelivery
	for _, d := range s.deliveries {
		if !d.Attempted {
			out = append(out, *d)
		}
	}
	return out
}

// Deliveries lists every delivery, attempted or not, oldest first.
func (s *Sim) Deliveries() []HookDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]HookDelivery, len(s.deliveries))
	for i, d := range s.deliveries {
		out[i] = *d
	}
	return out
}

// SendPending attempts every pending delivery in order and returns how many
// got a 2xx.
func (s *Sim) SendPending(ctx context.Context) int {
	ok := 0
	for _, d := range s.PendingDeliveries() {
		if code, _ := s.SendDelivery(ctx, d.ID); code/100 == 2 {
			ok++
		}
	}
	return ok
}

// SendDelivery attempts one delivery (any order: out-of-order tests pick
// theirs) and records the outcome as GitHub does; a delivery already
// attempted is sent again as the same GUID (a duplicate). It returns the
// receiver's status code, 0 when it could not connect.
func (s *Sim) SendDelivery(ctx context.Context, id int64) (int, error) {
	s.mu.Lock()
	d, h := s.deliveryLocked(id)
	s.mu.Unlock()
	if d == nil {
		return 0, fmt.Errorf("send delivery %d: %w", id, ErrNotFound)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, err
	}
	mac := hmac.New(sha256.New, h.Secret)
	mac.Write(d.Body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/ghsim")
	req.Header.Set("X-GitHub-Event", d.Event)
	req.Header.Set("X-GitHub-Delivery", d.GUID)
	req.Header.Set("X-GitHub-Hook-ID", fmt.Sprint(h.id))
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	code, status := 0, "failed to connect to host"
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		code, status = resp.StatusCode, strings.ToUpper(http.StatusText(resp.StatusCode))
		if code/100 == 2 {
			status = "OK"
		}
	}
	s.record(id, code, status)
	return code, err
}

// Drop records a pending delivery as failed without sending it (the
// network lost it).
func (s *Sim) Drop(id int64) { s.record(id, 0, "failed to connect to host") }

func (s *Sim) record(id int64, code int, status string) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, _ := s.deliveryLocked(id); d != nil {
		d.Attempted, d.DeliveredAt, d.StatusCode, d.Status = true, now, code, status
	}
}

func (s *Sim) deliveryLocked(id int64) (*HookDelivery, *hook) {
	for _, d := range s.deliveries {
		if d.ID == id {
			for _, h := range s.hooks {
				if h.id == d.HookID {
					return d, h
				}
			}
		}
	}
	return nil, nil
}
