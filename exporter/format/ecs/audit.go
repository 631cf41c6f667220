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

// entry is what the mapping reads of a GitHub audit entry. Every field
// reads any JSON value, keeping only one of the type it expects, so a key
// of an unexpected type (GitHub's entries vary by action) is skipped rather
// than failing the record.
type entry struct {
	User                     text          `json:"user"`
	Org                      text          `json:"org"`
	Repo                     text          `json:"repo"`
	Team                     text          `json:"team"`
	Data                     entryData     `json:"data"`
	Permission               text          `json:"permission"`
	ActorLocation            entryLocation `json:"actor_location"`
	ActorIP                  text          `json:"actor_ip"`
	HashedToken              text          `json:"hashed_token"`
	ProgrammaticAccessType   text          `json:"programmatic_access_type"`
	UserAgent                text          `json:"user_agent"`
	Integration              text          `json:"integration"`
	RepositoriesAddedNames   texts         `json:"repositories_added_names"`
	RepositoriesRemovedNames texts         `json:"repositories_removed_names"`
	RepositorySelection      text          `json:"repository_selection"`
	RepositoryPublic         truth         `json:"repository_public"`
}

type entryData struct {
	Team text `json:"team"`
}

type entryLocation struct {
	CountryCode text `json:"country_code"`
}

// text is a JSON string, "" for any other value.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	*t = text(str(b))
	return nil
}

// texts is a string or an array of strings (other members skipped), nil
// for any other value.
type texts []string

func (t *texts) UnmarshalJSON(b []byte) error {
	*t = strs(b)
	return nil
}

// truth is a boolean, or the string "true" or "false" (the pipeline's
// convert processor takes both); nil for any other value.
type truth struct{ v *bool }

func (f *truth) UnmarshalJSON(b []byte) error {
	f.v = boolean(b)
	return nil
}

// UnmarshalJSON reads an object, and nothing from any other value.
func (d *entryData) UnmarshalJSON(b []byte) error {
	type plain entryData
	if isObject(b) {
		_ = json.Unmarshal(b, (*plain)(d))
	}
	return nil
}

// UnmarshalJSON reads an object, and nothing from any other value.
func (l *entryLocation) UnmarshalJSON(b []byte) error {
	type plain entryLocation
	if isObject(b) {
		_ = json.Unmarshal(b, (*plain)(l))
	}
	return nil
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
	g.Org, g.Team, g.Permission = string(en.Org), string(en.Team), string(en.Permission)
	if g.Team == "" {
		g.Team = string(en.Data.Team)
	}
	if d.GitHub.Repo == "" {
		d.GitHub.Repo = string(en.Repo)
	}
	if ip := string(en.ActorIP); validIP(ip) {
		g.ActorIP = ip
		if d.Related == nil {
			d.Related = &d.p.related
		}
		d.p.ips[0] = g.ActorIP
		d.Related.IP = d.p.ips[:]
	}
	g.HashedToken, g.ProgrammaticAccessType = string(en.HashedToken), string(en.ProgrammaticAccessType)
	g.UserAgent, g.Integration = string(en.UserAgent), string(en.Integration)
	g.RepositoriesAddedNames, g.RepositoriesRemovedNames = en.RepositoriesAddedNames, en.RepositoriesRemovedNames
	g.RepositorySelection = string(en.RepositorySelection)
	g.RepositoryPublic = en.RepositoryPublic.v
	if g.UserAgent != "" {
		d.p.userAgent = userAgent{Original: g.UserAgent}
		d.UserAgent = &d.p.userAgent
	}
	if cc := string(en.ActorLocation.CountryCode); cc != "" {
		d.p.client = client{Geo: geo{CountryISOCode: cc}}
		d.Client = &d.p.client
	}
	if target := string(en.User); target != "" {
		d.target().Name = target
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
		d.p.group = group{Name: groupName}
		d.Group = &d.p.group
		if d.User != nil && d.User.Target != nil {
			d.User.Target.Group = &d.p.group
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

func isObject(raw []byte) bool { return len(raw) > 0 && raw[0] == '{' }

// str is raw's value if raw is a JSON string, else "".
func str(raw []byte) string {
	if len(raw) < 2 || raw[0] != '"' {
		return ""
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		// no escapes (the usual case): the text between the quotes, which
		// the entry's decoding already checked
		return string(raw[1 : len(raw)-1])
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// strs is raw's strings if raw is a string or an array of strings (other
// members skipped), else nil.
func strs(raw []byte) []string {
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
func boolean(raw []byte) *bool {
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
