package exporter

import "encoding/json"

// AlertDetails are attributes of an alert that describe it without being
// part of its state: every record of the alert carries them as GitHub gave
// them in the observation the record came from, and the diff never
// compares them (a change of one alone emits nothing, and the snapshot
// does not keep them). Each is left out when GitHub does not send it (older
// GHES, another alert kind).
type AlertDetails struct {
	// Provider and ProviderSlug name who issued a secret scanning alert's
	// secret (e.g. "Slack", "slack"); generic patterns have none.
	Provider     string `json:"provider,omitempty"`
	ProviderSlug string `json:"provider_slug,omitempty"`
	// FirstLocationDetected is a secret scanning alert's first location,
	// GitHub's object as is (a commit's path, lines and SHAs, or the URL of
	// an issue, pull request or discussion); it never holds the secret.
	FirstLocationDetected json.RawMessage `json:"first_location_detected,omitempty"`
	HasMoreLocations      *bool           `json:"has_more_locations,omitempty"`
	// MultiRepo: the secret was found in more than one repository of the
	// org or enterprise.
	MultiRepo       *bool `json:"multi_repo,omitempty"`
	IsBase64Encoded *bool `json:"is_base64_encoded,omitempty"`
	// EPSS is a Dependabot alert's advisory's Exploit Prediction Scoring
	// System scores.
	EPSS *EPSS `json:"epss,omitempty"`
	// Ref is a code scanning alert's most_recent_instance.ref. GitHub's
	// listings, which the exporter polls without a ref, give the instance
	// on the default branch, so a polled record's ref is the default
	// branch's; a webhook's alert may name the branch or pull request ref
	// of the analysis that changed it.
	Ref string `json:"ref,omitempty"`
}

// EPSS is an advisory's Exploit Prediction Scoring System scores, as
// GitHub gives them.
type EPSS struct {
	Percentage float64 `json:"percentage"`
	Percentile float64 `json:"percentile"`
}
