package ghapi

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// extraMembers are alert members go-github v62 does not model, as the
// object's decode found them.
type extraMembers struct {
	Validity       json.RawMessage `json:"validity"`
	PubliclyLeaked json.RawMessage `json:"publicly_leaked"`
	// code scanning (and newer Dependabot) alerts
	Assignees json.RawMessage `json:"assignees"`
	// secret scanning alerts
	AssignedTo json.RawMessage `json:"assigned_to"`

	// the record's AlertDetails, each read on its own
	detailMembers
}

type login struct {
	Login string `json:"login"`
}

// apply fills what the typed structs miss. If any member is malformed none
// is used, rather than failing the alert: the typed decode has succeeded.
func (e *extraMembers) apply(o *exporter.Observation) {
	e.detailMembers.apply(o)
	var (
		validity   string
		leaked     *bool
		assignees  []login
		assignedTo *login
	)
	for _, m := range []struct {
		raw json.RawMessage
		v   any
	}{{e.Validity, &validity}, {e.PubliclyLeaked, &leaked}, {e.Assignees, &assignees}, {e.AssignedTo, &assignedTo}} {
		if m.raw != nil && json.Unmarshal(m.raw, m.v) != nil {
			return
		}
	}
	if validity != "" {
		o.Validity = validity
	}
	if leaked != nil {
		o.PubliclyLeaked = *leaked
	}
	var who []string
	for _, a := range assignees {
		if a.Login != "" {
			who = append(who, a.Login)
		}
	}
	if assignedTo != nil && assignedTo.Login != "" {
		who = append(who, assignedTo.Login)
	}
	slices.Sort(who)
	o.Assignees = slices.Compact(who)
}

// DecodeWebhookAlert turns the `alert` object of a webhook delivery into the
// Observation a poll of the same alert builds: a webhook's alert has the REST
// alert's shape, and its repository comes from the delivery's `repository`
// (repo is its full name). It fails when the object cannot be decoded or
// names no alert number. implied is the state to assume when the object
// names none (older secret scanning payloads, whose action says it); ""
// refuses such an object like a poll does.
func DecodeWebhookAlert(src exporter.Source, raw json.RawMessage, repo, enterprise string, includeRaw bool, implied string) (exporter.Observation, error) {
	if repo == "" {
		return exporter.Observation{}, fmt.Errorf("decode %s webhook alert: no repository", src)
	}
	o, err := decodeAlertState(src, raw, Scope{Kind: ScopeRepo, Name: repo}, includeRaw, implied)
	if err != nil {
		return o, err
	}
	// a repo-level webhook alert may carry a stale or absent repository
	// member; the delivery's repository is authoritative
	o.Key.Repo = repo
	o.Org = ownerOf(repo)
	o.Enterprise = enterprise
	return o, nil
}
