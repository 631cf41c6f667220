package ecs

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// auditFields are the fields Elastic's github.audit ingest pipeline moves
// from GitHub's entry to github.* (same names, same types: keyword, ip,
// boolean), so Elastic's GitHub rules that query them (github.permission,
// github.actor_ip, github.hashed_token, github.programmatic_access_type,
// github.repository_public, ...) read ours.
type auditFields struct {
	// Category is the action's prefix: "repo" for repo.destroy.
	Category                 string   `json:"category,omitempty"`
	Org                      string   `json:"org,omitempty"`
	Team                     string   `json:"team,omitempty"`
	Permission               string   `json:"permission,omitempty"`
	ActorIP                  string   `json:"actor_ip,omitempty"`
	HashedToken              string   `json:"hashed_token,omitempty"`
	ProgrammaticAccessType   string   `json:"programmatic_access_type,omitempty"`
	UserAgent                string   `json:"user_agent,omitempty"`
	Integration              string   `json:"integration,omitempty"`
	RepositoriesAddedNames   []string `json:"repositories_added_names,omitempty"`
	RepositoriesRemovedNames []string `json:"repositories_removed_names,omitempty"`
	RepositorySelection      string   `json:"repository_selection,omitempty"`
	RepositoryPublic         *bool    `json:"repository_public,omitempty"`
}

// entry is what the mapping reads of a GitHub audit entry. Every value is
// kept raw and read by the helpers below, so a key of an unexpected type
// (GitHub's entries vary by action) is skipped rather than failing the
// record.
type entry struct {
	User                     json.RawMessage `json:"user"`
	Org                      json.RawMessage `json:"org"`
	Repo                     json.RawMessage `json:"repo"`
	Team                     json.RawMessage `json:"team"`
	Data                     json.RawMessage `json:"data"`
	Permission               json.RawMessage `json:"permission"`
	ActorLocation            json.RawMessage `json:"actor_location"`
	ActorIP                  json.RawMessage `json:"actor_ip"`
	HashedToken              json.RawMessage `json:"hashed_token"`
	ProgrammaticAccessType   json.RawMessage `json:"programmatic_access_type"`
	UserAgent                json.RawMessage `json:"user_agent"`
	Integration              json.RawMessage `json:"integration"`
	RepositoriesAddedNames   json.RawMessage `json:"repositories_added_names"`
	RepositoriesRemovedNames json.RawMessage `json:"repositories_removed_names"`
	RepositorySelection      json.RawMessage `json:"repository_selection"`
	RepositoryPublic         json.RawMessage `json:"repository_public"`
}

type entryData struct {
	Team json.RawMessage `json:"team"`
}

type entryLocation struct {
	CountryCode json.RawMessage `json:"country_code"`
}

// Categorization of audit records: Elastic's pipeline's, value for value.
var (
	categoryAudit    = []string{"configuration", "web"}
	categoryAuditIAM = []string{"configuration", "web", "iam"}
)

// errEntry is the error for an audit entry that is not JSON.
var errEntry = errors.New("audit entry is not JSON")

// mapAudit fills d for an audit record the way Elastic's github.audit
// pipeline maps the same entry: event.kind event, event.category
// configuration and web (+ iam for team.* and org.*), event.type from the
// action's verb, user.target.name from the entry's user, group.name from
// its team or org, client.geo.country_iso_code, related.*; the entry's
// own keys under github.audit. It fails only for an entry that is not JSON.
func mapAudit(d *document, rec *exporter.Record) error {
	e := &d.Event
	e.Kind, e.Dataset = "event", module+".audit"
	category, verb, found := strings.Cut(rec.Action, ".")
	if !found || !isCategory(category) {
		category, verb = "", ""
	}
	d.GitHub.Category = category
	e.Category = categoryAudit
	var types []string
	if category == "team" || category == "org" {
		e.Category = categoryAuditIAM
		types = append(types, "group", "user")
	}
	if strings.Contains(verb, "create") || strings.Contains(verb, "add") {
		types = append(types, "creation")
	}
	if strings.Contains(verb, "delete") || strings.Contains(verb, "remove") {
		types = append(types, "deletion")
	}
	if len(types) == 0 {
		types = append(types, "change")
	}
	e.Type = types

	if rec.Audit == nil {
		return nil
	}
	raw := bytes.TrimSpace(rec.Audit.Entry)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if !json.Valid(raw) {
		return errEntry
	}
	d.GitHub.Audit = raw
	if raw[0] != '{' {
		return nil
	}
	var en entry
	if json.Unmarshal(raw, &en) != nil {
		return nil
	}
	g := &d.GitHub.auditFields
	g.Org, g.Team, g.Permission = str(en.Org), str(en.Team), str(en.Permission)
	if g.Team == "" && isObject(en.Data) {
		var data entryData
		if json.Unmarshal(en.Data, &data) == nil {
			g.Team = str(data.Team)
		}
	}
	if d.GitHub.Repo == "" {
		d.GitHub.Repo = str(en.Repo)
	}
	if ip := str(en.ActorIP); validIP(ip) {
		g.ActorIP = ip
		d.Related = orNew(d.Related)
		d.Related.IP = []string{g.ActorIP}
	}
	g.HashedToken, g.ProgrammaticAccessType = str(en.HashedToken), str(en.ProgrammaticAccessType)
	g.UserAgent, g.Integration = str(en.UserAgent), str(en.Integration)
	g.RepositoriesAddedNames, g.RepositoriesRemovedNames = strs(en.RepositoriesAddedNames), strs(en.RepositoriesRemovedNames)
	g.RepositorySelection = str(en.RepositorySelection)
	g.RepositoryPublic = boolean(en.RepositoryPublic)
	if g.UserAgent != "" {
		d.UserAgent = &userAgent{Original: g.UserAgent}
	}
	if isObject(en.ActorLocation) {
		var loc entryLocation
		if json.Unmarshal(en.ActorLocation, &loc) == nil {
			if cc := str(loc.CountryCode); cc != "" {
				d.Client = &client{Geo: geo{CountryISOCode: cc}}
			}
		}
	}
	if target := str(en.User); target != "" {
		if d.User == nil {
			d.User = &user{}
		}
		d.User.Target = &userTarget{Name: target}
		d.related(target)
	}
	// the group a team.* or org.* action is about, and the target user's
	groupName := ""
	switch category {
	case "team":
		groupName = g.Team
	case "org":
		groupName = g.Org
	}
	if groupName != "" {
		d.Group = &group{Name: groupName}
		if d.User != nil && d.User.Target != nil {
			d.User.Target.Group = &group{Name: groupName}
		}
	}
	return nil
}

// isCategory reports whether s is an action prefix as Elastic's pipeline
// reads one ([a-z_]+).
func isCategory(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

// validIP reports whether s is an IP address as Elasticsearch's ip type
// takes one (the pipeline drops actor_ip otherwise).
func validIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

func isObject(raw json.RawMessage) bool { return len(raw) > 0 && raw[0] == '{' }

// str is raw's value if raw is a JSON string, else "".
func str(raw json.RawMessage) string {
	if len(raw) == 0 || raw[0] != '"' {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// strs is raw's strings if raw is a string or an array of strings (other
// members skipped), else nil.
func strs(raw json.RawMessage) []string {
	if s := str(raw); s != "" {
		return []string{s}
	}
	if len(raw) == 0 || raw[0] != '[' {
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	var out []string
	for _, m := range list {
		if s := str(m); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// boolean is raw as a boolean when it is one, or the string "true" or
// "false" (the pipeline's convert processor takes both), else nil.
func boolean(raw json.RawMessage) *bool {
	var b bool
	switch s := string(raw); s {
	case "true", `"true"`:
		b = true
	case "false", `"false"`:
	default:
		return nil
	}
	return &b
}

func orNew(r *related) *related {
	if r == nil {
		return &related{}
	}
	return r
}
