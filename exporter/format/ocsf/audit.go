package ocsf

import (
	"bytes"
	"cmp"
	"fmt"
	"net/netip"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// auditEntry is what the audit mapping reads from GitHub's entry; the
// entry itself travels whole under unmapped.audit.entry. Every field
// tolerates a JSON type other than the one GitHub documents (it is then
// left empty) so that an odd entry still maps.
type auditEntry struct {
	ActorID       looseID   `json:"actor_id"`
	ActorIP       looseStr  `json:"actor_ip"`
	ActorIsBot    looseBool `json:"actor_is_bot"`
	ActorLocation struct {
		CountryCode looseStr `json:"country_code"`
		Region      looseStr `json:"region"`
		City        looseStr `json:"city"`
		PostalCode  looseStr `json:"postal_code"`
	} `json:"actor_location"`
	User          looseStr `json:"user"`
	UserID        looseID  `json:"user_id"`
	OperationType looseStr `json:"operation_type"`
	UserAgent     looseStr `json:"user_agent"`
	RequestID     looseStr `json:"request_id"`
	Data          struct {
		UserAgent looseStr `json:"user_agent"`
		Method    looseStr `json:"method"`
		URL       looseStr `json:"url"`
		RequestID looseStr `json:"request_id"`
	} `json:"data"`
}

// accountActions are the audit actions that change a user account, with
// their Account Change activity; every other action is API Activity.
var accountActions = map[string]int{
	"user.create":                        1,
	"user.unsuspend":                     2,
	"user.change_password":               3,
	"user.forgot_password":               4,
	"user.suspend":                       5,
	"user.destroy":                       6,
	"user.delete":                        6,
	"user.promote":                       7, // made a site administrator
	"user.demote":                        8,
	"two_factor_authentication.enabled":  10,
	"two_factor_authentication.disabled": 11,
}

// operationActivities maps GitHub's operation_type to API Activity.
var operationActivities = map[string]int{"create": 1, "access": 2, "modify": 3, "transfer": 3, "remove": 4}

// verbActivities maps the last word of an action without operation_type
// (repo.create, git.clone, hook.destroy) by its prefix.
var verbActivities = []struct {
	prefix   string
	activity int
}{
	{"create", 1}, {"add", 1}, {"invite", 1},
	{"access", 2}, {"clone", 2}, {"fetch", 2}, {"download", 2},
	{"update", 3}, {"change", 3}, {"rename", 3}, {"edit", 3}, {"enable", 3}, {"disable", 3},
	{"set", 3}, {"transfer", 3}, {"archive", 3}, {"unarchive", 3}, {"push", 3}, {"merge", 3},
	{"destroy", 4}, {"delete", 4}, {"remove", 4}, {"revoke", 4},
}

// apiActivityOf is the API Activity of an audit action and the label
// activity_name carries when it is Other.
func apiActivityOf(action, operationType string) (int, string) {
	if operationType != "" {
		if id, ok := operationActivities[operationType]; ok {
			return id, ""
		}
		return activityOther, operationType
	}
	verb := action[strings.LastIndexByte(action, '.')+1:]
	for _, v := range verbActivities {
		if strings.HasPrefix(verb, v.prefix) {
			return v.activity, ""
		}
	}
	return activityOther, verb
}

// Statuses of the non-finding classes.
var statusNames = map[int]string{0: "Unknown", 1: "Success", 2: "Failure", 99: "Other"}

func mapAudit(ev *event, rec *exporter.Record) error {
	au := rec.Audit
	if au == nil {
		return fmt.Errorf("%w: audit record without audit", ErrIncomplete)
	}
	var e auditEntry
	// an entry that is not an object maps from the record alone
	_ = json.Unmarshal(au.Entry, &e)
	action := cmp.Or(rec.Action, au.Action)

	// GitHub logs what was done; a failure names itself (user.failed_login)
	status := 1
	if strings.Contains(action, "fail") {
		status = 2
	}
	ev.StatusID, ev.Status = status, statusNames[status]
	ev.severity(severityInformational, "")
	ev.Metadata.OriginalEventUID = au.DocumentID
	ev.Message = action
	if rec.Actor != "" {
		ev.Message += " by " + rec.Actor
	}
	if where := cmp.Or(rec.Repo, rec.Org); where != "" {
		ev.Message += " in " + where
	}
	ev.Unmapped.Audit = &unmappedAudit{Entry: bytes.TrimSpace(au.Entry)}
	if rec.Actor != "" || e.ActorID != "" {
		u := &user{Name: rec.Actor, UID: string(e.ActorID)}
		switch e.ActorIsBot {
		case looseTrue:
			u.TypeID, u.Type = 4, "Service"
		case looseFalse:
			u.TypeID, u.Type = 1, "User"
		}
		ev.Actor = &actor{User: u}
	}
	ev.SrcEndpoint = srcEndpoint(&e)
	ev.Resources = scopeResources(rec)

	target := cmp.Or(string(e.User), string(e.UserID))
	if id, ok := accountActions[action]; ok && (target != "" || rec.Actor != "") {
		ev.classify(accountChange, id, "")
		ev.User = &user{Name: string(e.User), UID: string(e.UserID)}
		if target == "" {
			// the actor changed their own account
			ev.User = &user{Name: rec.Actor, UID: string(e.ActorID)}
		}
		// Account Change has no resources: the repository (rarely set on
		// an account action) stays unmapped
		ev.Resources, ev.Unmapped.Repo = nil, rec.Repo
		if ev.SrcEndpoint != nil && ev.SrcEndpoint.IP == "" {
			ev.SrcEndpoint = nil // optional here: no placeholder
		}
		return nil
	}
	activity, label := apiActivityOf(action, string(e.OperationType))
	ev.classify(apiActivity, activity, label)
	if ev.Actor == nil {
		// no person: GitHub acted itself (the actor attribute is required)
		ev.Actor = &actor{AppName: "GitHub"}
	}
	ev.API = &api{Operation: action, Service: &service{Name: "GitHub"}}
	if rid := cmp.Or(string(e.Data.RequestID), string(e.RequestID)); rid != "" {
		ev.API.Request = &idObject{UID: rid}
	}
	if ev.SrcEndpoint == nil {
		// required, and GitHub discloses the actor's address only when
		// the organization or enterprise turns IP disclosure on
		ev.SrcEndpoint = &networkEndpoint{Name: "unknown"}
	}
	ev.HTTPRequest = httpRequestOf(&e)
	return nil
}

// srcEndpoint is the actor's address and location, or nil when the entry
// has neither. An address that does not parse is left out.
func srcEndpoint(e *auditEntry) *networkEndpoint {
	var ep networkEndpoint
	if ip, err := netip.ParseAddr(string(e.ActorIP)); err == nil {
		ep.IP = ip.String()
	}
	l := e.ActorLocation
	if l.CountryCode != "" || l.Region != "" || l.City != "" || l.PostalCode != "" {
		ep.Location = &location{Country: string(l.CountryCode), Region: string(l.Region), City: string(l.City), PostalCode: string(l.PostalCode)}
	}
	if ep.IP == "" && ep.Location == nil {
		return nil
	}
	if ep.IP == "" {
		ep.Name = "unknown"
	}
	return &ep
}

// httpMethods are OCSF's http_method values.
var httpMethods = map[string]bool{"CONNECT": true, "DELETE": true, "GET": true, "HEAD": true, "OPTIONS": true,
	"PATCH": true, "POST": true, "PUT": true, "TRACE": true}

func httpRequestOf(e *auditEntry) *httpRequest {
	var h httpRequest
	if m := strings.ToUpper(string(e.Data.Method)); httpMethods[m] {
		h.HTTPMethod = m
	}
	h.UserAgent = cmp.Or(string(e.UserAgent), string(e.Data.UserAgent))
	if e.Data.URL != "" {
		h.URL = &url{URLString: string(e.Data.URL)}
	}
	if h == (httpRequest{}) {
		return nil
	}
	return &h
}

// scopeResources are the repository and organization a record is about.
func scopeResources(rec *exporter.Record) []resource {
	var rs []resource
	if rec.Repo != "" {
		rs = append(rs, resource{UID: rec.Repo, Name: rec.Repo, Type: "GitHub Repository"})
	}
	if rec.Org != "" {
		rs = append(rs, resource{UID: rec.Org, Name: rec.Org, Type: "GitHub Organization"})
	}
	return rs
}

// looseStr is a JSON string, or empty for any other JSON value.
type looseStr string

func (s *looseStr) UnmarshalJSON(b []byte) error {
	var v string
	if len(b) > 0 && b[0] == '"' && json.Unmarshal(b, &v) == nil {
		*s = looseStr(v)
	}
	return nil
}

// looseID is a JSON number or string as a string, empty for anything else.
type looseID string

func (s *looseID) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) > 0 && b[0] == '"':
		var v string
		if json.Unmarshal(b, &v) == nil {
			*s = looseID(v)
		}
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*s = looseID(b)
	}
	return nil
}

// looseBool tells true, false and absent (or not a boolean) apart.
type looseBool uint8

const (
	looseUnset looseBool = iota
	looseFalse
	looseTrue
)

func (v *looseBool) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true":
		*v = looseTrue
	case "false":
		*v = looseFalse
	}
	return nil
}
