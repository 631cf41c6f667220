package ecs

import (
	"fmt"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Version is the ECS version the documents follow, written in ecs.version.
const Version = "9.4.0"

// module is event.module, and the first part of every event.dataset: the
// datasets are those of Elastic's GitHub integration where it has one for
// the same data (github.audit, github.dependabot, github.code_scanning,
// github.secret_scanning), so searches and rules written for it find ours.
const module = "github"

// Marshal returns rec as one ECS document in compact JSON. It fails, as
// the record's own encoder does, for a time outside RFC 3339 (a year
// before 0 or after 9999) and for an audit entry or raw object that is not
// JSON; the error concerns this record alone.
func Marshal(rec *exporter.Record) ([]byte, error) {
	d := &document{
		Timestamp: rec.Time.UTC(),
		ECS:       ecsInfo{Version: Version},
		Event: event{
			Action: rec.Action, ID: rec.ID, Created: rec.ObservedAt.UTC(), Module: module,
		},
		GitHub: github{Source: string(rec.Source), Origin: string(rec.Origin), Enterprise: rec.Enterprise, Repo: rec.Repo},
	}
	if rec.Org != "" {
		d.p.org = organization{Name: rec.Org}
		d.Organization = &d.p.org
	}
	if rec.Actor != "" {
		d.user().Name = rec.Actor
		d.related(rec.Actor)
	}
	if len(rec.Raw) > 0 {
		d.GitHub.Raw = rec.Raw
	}
	var err error
	switch {
	case rec.Category == exporter.CategoryRequest:
		mapRequest(d, rec)
	case rec.Category == exporter.CategoryAudit:
		err = mapAudit(d, rec)
	default:
		mapAlert(d, rec)
	}
	if err != nil {
		return nil, fmt.Errorf("render record %s as ecs: %w", rec.ID, err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("render record %s as ecs: %w", rec.ID, err)
	}
	return b, nil
}

// document is one ECS document. Field order is the order a reader scans:
// when, what, who, about what, then our own fields.
type document struct {
	Timestamp     time.Time      `json:"@timestamp"`
	ECS           ecsInfo        `json:"ecs"`
	Event         event          `json:"event"`
	User          *user          `json:"user,omitempty"`
	Organization  *organization  `json:"organization,omitempty"`
	Group         *group         `json:"group,omitempty"`
	Client        *client        `json:"client,omitempty"`
	UserAgent     *userAgent     `json:"user_agent,omitempty"`
	URL           *url           `json:"url,omitempty"`
	Vulnerability *vulnerability `json:"vulnerability,omitempty"`
	Rule          *rule          `json:"rule,omitempty"`
	Package       *pkg           `json:"package,omitempty"`
	Related       *related       `json:"related,omitempty"`
	GitHub        github         `json:"github"`

	// p holds what the pointers above point to, so a document is one
	// allocation however many of its objects it has
	p parts
}

type parts struct {
	user          user
	target        userTarget
	org           organization
	group         group
	url           url
	vulnerability vulnerability
	rule          rule
	pkg           pkg
	related       related
	users         [4]string
	ips           [1]string
	userAgent     userAgent
	client        client
	alert         githubAlert
	times         [2]time.Time
}

// user is d's user object, added when absent.
func (d *document) user() *user {
	if d.User == nil {
		d.User = &d.p.user
	}
	return d.User
}

// target is d's user.target object, added when absent.
func (d *document) target() *userTarget {
	u := d.user()
	if u.Target == nil {
		u.Target = &d.p.target
	}
	return u.Target
}

// setURL sets url.full, when there is one.
func (d *document) setURL(full string) {
	if full != "" {
		d.p.url.Full = full
		d.URL = &d.p.url
	}
}

// time returns a pointer to t in UTC kept in slot i of d, nil for a nil t.
func (d *document) time(i int, t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d.p.times[i] = t.UTC()
	return &d.p.times[i]
}

type ecsInfo struct {
	Version string `json:"version"`
}

type event struct {
	Kind     string    `json:"kind"`
	Category []string  `json:"category"`
	Type     []string  `json:"type"`
	Action   string    `json:"action"`
	ID       string    `json:"id"`
	Created  time.Time `json:"created"`
	Module   string    `json:"module"`
	Dataset  string    `json:"dataset"`
	Reason   string    `json:"reason,omitempty"`
}

type user struct {
	Name   string      `json:"name,omitempty"`
	Target *userTarget `json:"target,omitempty"`
}

type userTarget struct {
	Name  string `json:"name,omitempty"`
	Group *group `json:"group,omitempty"`
}

type organization struct {
	Name string `json:"name"`
}

type group struct {
	Name string `json:"name"`
}

type client struct {
	Geo geo `json:"geo"`
}

type geo struct {
	CountryISOCode string `json:"country_iso_code"`
}

type userAgent struct {
	Original string `json:"original"`
}

type url struct {
	Full string `json:"full"`
}

type vulnerability struct {
	ID          string  `json:"id,omitempty"`
	Enumeration string  `json:"enumeration,omitempty"`
	Reference   string  `json:"reference,omitempty"`
	Severity    string  `json:"severity,omitempty"`
	Description string  `json:"description,omitempty"`
	Scanner     scanner `json:"scanner"`
}

type scanner struct {
	Vendor string `json:"vendor"`
}

type rule struct {
	ID      string `json:"id,omitempty"`
	Ruleset string `json:"ruleset,omitempty"`
}

type pkg struct {
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
}

type related struct {
	User []string `json:"user,omitempty"`
	IP   []string `json:"ip,omitempty"`
}

// github holds what ECS has no field for: the record's own fields, and for
// audit records the fields Elastic's github.audit pipeline keeps under
// github.* (same names, same types) and GitHub's entry as it came.
type github struct {
	Source     string         `json:"source"`
	Origin     string         `json:"origin"`
	Enterprise string         `json:"enterprise,omitempty"`
	Repo       string         `json:"repo,omitempty"`
	Alert      *githubAlert   `json:"alert,omitempty"`
	Request    *githubRequest `json:"request,omitempty"`
	auditFields
	Audit json.RawMessage `json:"audit,omitempty"`
	Raw   json.RawMessage `json:"raw,omitempty"`
}

// related adds users to related.user, each once.
func (d *document) related(users ...string) {
	for _, u := range users {
		if u == "" {
			continue
		}
		if d.Related == nil {
			d.Related = &d.p.related
		}
		if d.Related.User == nil {
			d.Related.User = d.p.users[:0]
		}
		if !contains(d.Related.User, u) {
			d.Related.User = append(d.Related.User, u)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
