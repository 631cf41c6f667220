package ghapi

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// alertExtras are alert members go-github v62 does not model.
type alertExtras struct {
	Validity       string `json:"validity"`
	PubliclyLeaked *bool  `json:"publicly_leaked"`
	// code scanning (and newer Dependabot) alerts
	Assignees []struct {
		Login string `json:"login"`
	} `json:"assignees"`
	// secret scanning alerts
	AssignedTo *struct {
		Login string `json:"login"`
	} `json:"assigned_to"`
}

// readExtras fills what the typed structs miss. A malformed member is left
// unset rather than failing the alert: the typed decode has succeeded.
func readExtras(o *exporter.Observation, raw json.RawMessage) {
	var ext alertExtras
	if json.Unmarshal(raw, &ext) != nil {
		return
	}
	if ext.Validity != "" {
		o.Validity = ext.Validity
	}
	if ext.PubliclyLeaked != nil {
		o.PubliclyLeaked = *ext.PubliclyLeaked
	}
	var who []string
	for _, a := range ext.Assignees {
		if a.Login != "" {
			who = append(who, a.Login)
		}
	}
	if ext.AssignedTo != nil && ext.AssignedTo.Login != "" {
		who = append(who, ext.AssignedTo.Login)
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
