package webhook

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
)

// eventSources are the webhook events that carry an alert object.
var eventSources = map[string]exporter.Source{
	"dependabot_alert":               exporter.SourceDependabot,
	"code_scanning_alert":            exporter.SourceCodeScanning,
	"secret_scanning_alert":          exporter.SourceSecretScanning,
	"secret_scanning_alert_location": exporter.SourceSecretScanning,
}

// Event is what Decode makes of one delivery.
type Event struct {
	Name   string // X-GitHub-Event
	Action string
	Repo   string // owner/name
	// Enterprise is the delivery's enterprise slug, when it names one.
	Enterprise string
	// Alert is the observation to diff; nil when the delivery is ignored.
	Alert *exporter.Observation
	// Request is the dismissal or bypass request of a request event.
	Request *exporter.RequestObservation
	// Ignored says why a delivery carries nothing to diff.
	Ignored string
}

// envelope is the part of every alert event read here; go-github v62 has no
// type for secret_scanning_alert_location and lacks newer actions' members,
// so the envelope is read from raw JSON and only the alert object goes
// through go-github's types (in ghapi).
type envelope struct {
	eventContext
	Alert bodySlice `json:"alert"`
}

// bodySlice is a JSON value kept as the slice of the delivery's body it
// stands in, not a copy (json.RawMessage copies): encoding/json hands
// UnmarshalJSON a slice of its input, and a delivery's body is neither
// reused nor changed while it is handled. The copy was as large as the
// alert: megabytes of garbage for each multi-megabyte delivery.
type bodySlice []byte

// UnmarshalJSON keeps b, the value's bytes in the body.
func (s *bodySlice) UnmarshalJSON(b []byte) error {
	*s = b
	return nil
}

// eventContext is what every event GitHub delivers says around its object:
// the action, where it happened and who did it.
type eventContext struct {
	Action     string `json:"action"`
	Repository *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Enterprise *struct {
		Slug string `json:"slug"`
	} `json:"enterprise"`
	Sender *struct {
		Login string `json:"login"`
	} `json:"sender"`
}

// fill sets ev's action, repository and enterprise from c.
func (c *eventContext) fill(ev *Event) {
	ev.Action = c.Action
	if c.Repository != nil {
		ev.Repo = c.Repository.FullName
	}
	if c.Enterprise != nil {
		ev.Enterprise = c.Enterprise.Slug
	}
}

// alertProbe reads what decides whether an alert object can be ordered.
type alertProbe struct {
	State     *string    `json:"state"`
	CreatedAt *time.Time `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at"`
	URL       string     `json:"url"`
	HTMLURL   string     `json:"html_url"`
}

// urlKinds are the path segments that name an alert's kind in its url
// (…/dependabot/alerts/1) and html_url (…/security/dependabot/1), on
// github.com and GHES alike.
var urlKinds = []struct {
	segment string
	src     exporter.Source
}{
	{"/dependabot/", exporter.SourceDependabot},
	{"/code-scanning/", exporter.SourceCodeScanning},
	{"/secret-scanning/", exporter.SourceSecretScanning},
}

// contradicts reports the kind an alert object's own url or html_url
// names when it is not src: a Dependabot alert sent as a
// code_scanning_alert delivery would otherwise be recorded as a phantom
// code scanning alert. A url naming no kind contradicts nothing.
func (p *alertProbe) contradicts(src exporter.Source) (exporter.Source, bool) {
	for _, u := range []string{p.URL, p.HTMLURL} {
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		for _, k := range urlKinds {
			if strings.Contains(u, k.segment) && k.src != src {
				return k.src, true
			}
		}
	}
	return "", false
}

// Decode reads an authenticated delivery's body. Events without an alert
// object, and alert objects that cannot be ordered against a snapshot, are
// returned with Ignored set; polling picks their change up. An error means
// the body is not the JSON of the event it claims to be.
func Decode(event string, body []byte, includeRaw bool) (Event, error) {
	ev := Event{Name: event}
	if isRequestEvent(event) {
		return ev, decodeRequest(&ev, body, includeRaw)
	}
	src, ok := eventSources[event]
	if !ok {
		ev.Ignored = "event carries no alert"
		return ev, nil
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return ev, fmt.Errorf("decode %s delivery: %w", event, err)
	}
	env.fill(&ev)
	if ev.Repo == "" {
		ev.Ignored = "delivery names no repository"
		return ev, nil
	}
	if len(env.Alert) == 0 || string(env.Alert) == "null" {
		ev.Ignored = "delivery has no alert object"
		return ev, nil
	}
	var probe alertProbe
	if err := json.Unmarshal(env.Alert, &probe); err != nil {
		return ev, fmt.Errorf("decode %s alert: %w", event, err)
	}
	if other, bad := probe.contradicts(src); bad {
		ev.Ignored = fmt.Sprintf("alert object's url names a %s alert, not the %s the event says", other, src)
		return ev, nil
	}
	implied := ""
	if probe.State == nil || *probe.State == "" {
		// older secret scanning payloads omit the state; the action says it
		if implied = impliedState(event, env.Action); implied == "" {
			ev.Ignored = "alert object has no state"
			return ev, nil
		}
	}
	if probe.CreatedAt == nil && probe.UpdatedAt == nil {
		ev.Ignored = "alert object has no created_at or updated_at: it cannot be ordered against the stored state"
		return ev, nil
	}
	o, err := ghapi.DecodeWebhookAlert(src, json.RawMessage(env.Alert), ev.Repo, ev.Enterprise, includeRaw, implied)
	if err != nil {
		return ev, err
	}
	if probe.UpdatedAt == nil {
		// Some code scanning payloads lack updated_at. The latest time the
		// object names keeps ordering safe: an older delivery still cannot
		// move the snapshot back.
		o.UpdatedAt = latest(o.CreatedAt, o.ClosedAt, o.BypassedAt)
	}
	if env.Sender != nil {
		o.Sender = env.Sender.Login
	}
	ev.Alert = &o
	return ev, nil
}

func impliedState(event, action string) string {
	if event != "secret_scanning_alert" {
		return ""
	}
	switch action {
	case "created", "reopened":
		return "open"
	case "resolved":
		return "resolved"
	}
	return ""
}

func latest(ts ...time.Time) time.Time {
	var m time.Time
	for _, t := range ts {
		if t.After(m) {
			m = t
		}
	}
	return m
}
