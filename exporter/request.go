package exporter

import (
	"encoding/json"
	"strconv"
	"time"
)

// CategoryRequest is the category of records about dismissal and bypass
// requests.
const CategoryRequest Category = "request"

// SourcePushRules is the source of records about push ruleset bypass
// requests, which concern no alert.
const SourcePushRules Source = "push_rules"

// Request kinds: a developer asks a reviewer to dismiss an alert, or to let
// a push through push protection (a secret) or a push ruleset.
const (
	RequestKindDismissal = "dismissal"
	RequestKindBypass    = "bypass"
)

// Request targets: what a request would dismiss or bypass.
const (
	RequestTargetCodeScanning   = "code_scanning"
	RequestTargetDependabot     = "dependabot"
	RequestTargetSecretScanning = "secret_scanning"
	RequestTargetPushRules      = "push_rules"
)

// Request record actions. A status the table has no action for (GitHub
// adds statuses, e.g. a push rule bypass's "deleted") is never dropped: it
// is a request_status_changed record carrying the status.
const (
	ActionRequestCreated       = "request_created"
	ActionRequestApproved      = "request_approved"
	ActionRequestDenied        = "request_denied"
	ActionRequestCancelled     = "request_cancelled"
	ActionRequestExpired       = "request_expired"
	ActionRequestCompleted     = "request_completed"
	ActionRequestStatusChanged = "request_status_changed"
)

// Request statuses, as the exporter normalizes them: GitHub's REST lists say
// "denied" where its webhooks say "rejected", and a few lists say "open"
// for "pending".
const (
	RequestPending   = "pending"
	RequestApproved  = "approved"
	RequestDenied    = "denied"
	RequestCancelled = "cancelled"
	RequestExpired   = "expired"
	RequestCompleted = "completed"
)

// NormalizeRequestStatus maps GitHub's spellings of a request or review
// status to the exporter's: rejected → denied, open → pending; any other
// value is returned as is.
func NormalizeRequestStatus(s string) string {
	switch s {
	case "rejected":
		return RequestDenied
	case "open":
		return RequestPending
	}
	return s
}

// RequestKey identifies a request. GitHub numbers requests per repository
// (a request's number is not its alert's); a push rule request about no
// repository is scoped by its organization instead.
type RequestKey struct {
	Kind   string // dismissal or bypass
	Target string // code_scanning, dependabot, secret_scanning, push_rules
	Scope  string // owner/name, or the org for a request about no repository
	Number int
}

// RequestSource is the record source of requests about target: the alert
// kind, or push_rules.
func RequestSource(target string) Source {
	return Source(target)
}

// RequestReview is one reviewer's response to a request.
type RequestReview struct {
	Reviewer string    `json:"reviewer"`
	Status   string    `json:"status"` // approved, denied, dismissed (the review was withdrawn), or GitHub's own
	Comment  string    `json:"comment,omitempty"`
	At       time.Time `json:"at,omitzero"`
}

// RequestObservation is one request as GitHub reports it now, from a list,
// a webhook or an audit event.
type RequestObservation struct {
	Key        RequestKey
	ID         int64 // GitHub's id of the request
	Enterprise string
	Org        string
	Repo       string // owner/name; empty for a push rule request about no repository

	// Status is normalized (NormalizeRequestStatus); a well-formed status
	// GitHub added later is kept (WellFormedState).
	Status           string
	Reason           string
	Requester        string
	RequesterComment string
	// Reviews are the responses in GitHub's order.
	Reviews []RequestReview
	// AlertNumbers are the alerts a dismissal request concerns (GitHub's
	// data items); none for a bypass.
	AlertNumbers []int
	AlertTitle   string
	SecretType   string

	CreatedAt time.Time
	ExpiresAt time.Time
	HTMLURL   string
	// Sender is who caused a webhook delivery; empty for polls.
	Sender string
	// Raw is GitHub's object; shipped only when the config asks for it.
	Raw json.RawMessage
}

// RequestInfo describes the request a request record is about.
type RequestInfo struct {
	Kind             string          `json:"kind"`
	Target           string          `json:"target"`
	Number           int             `json:"number,omitempty"`
	ID               int64           `json:"id,omitempty"`
	Status           string          `json:"status"`
	PreviousStatus   string          `json:"previous_status,omitempty"`
	Reason           string          `json:"reason,omitempty"`
	Requester        string          `json:"requester,omitempty"`
	RequesterComment string          `json:"requester_comment,omitempty"`
	Reviewer         string          `json:"reviewer,omitempty"` // whose review this record is (approved, denied)
	ReviewerComment  string          `json:"reviewer_comment,omitempty"`
	Reviews          []RequestReview `json:"reviews,omitempty"`
	// SelfReviewed: a reviewer who approved or denied the request is its
	// requester.
	SelfReviewed bool       `json:"self_reviewed,omitempty"`
	AlertNumbers []int      `json:"alert_numbers,omitempty"`
	CreatedAt    *time.Time `json:"created_at,omitempty"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	HTMLURL      string     `json:"html_url,omitempty"`
}

// RequestSnapshot is what the state file keeps of a request: its status and
// the actions already emitted for it, so each is emitted once whichever path
// (poll, webhook, audit event) saw it first.
type RequestSnapshot struct {
	Status string `json:"s"`
	// Done is a set of requestPhase bits.
	Done int `json:"d"`
}

// Equal reports whether two request snapshots are the same.
func (s RequestSnapshot) Equal(o RequestSnapshot) bool { return s == o }

// RequestRecordID is the stable dedup key of a request record: the request,
// the action (a status for request_status_changed) and the alert the record
// names (0 for none). A request passes each status once, so no time is
// needed, and a poll, a webhook and an audit event give the same id.
func RequestRecordID(k RequestKey, action string, alertNumber int) string {
	return digest("request", k.Kind, k.Target, k.Scope, strconv.Itoa(k.Number), action, strconv.Itoa(alertNumber))
}
