package exporter

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// SchemaVersion is the version of Record written in every record's "schema" field.
const SchemaVersion = 1

// Category says whether a record describes an alert transition or an audit-log entry.
type Category string

// Record categories.
const (
	CategoryAlert Category = "alert"
	CategoryAudit Category = "audit"
)

// Source is the GitHub product a record came from.
type Source string

// Record sources.
const (
	SourceDependabot     Source = "dependabot"
	SourceCodeScanning   Source = "code_scanning"
	SourceSecretScanning Source = "secret_scanning"
	SourceAuditLog       Source = "audit_log"
)

// AlertSources lists the three alert kinds in a stable order.
var AlertSources = []Source{SourceDependabot, SourceCodeScanning, SourceSecretScanning}

// Alert transition actions (docs/record.md, "Transitions"). Audit records carry
// GitHub's own action name instead.
const (
	ActionCreated                = "created"
	ActionDismissed              = "dismissed"
	ActionFixed                  = "fixed"
	ActionAutoDismissed          = "auto_dismissed"
	ActionReopened               = "reopened"
	ActionAutoReopened           = "auto_reopened"
	ActionReintroduced           = "reintroduced"
	ActionResolved               = "resolved"
	ActionPushProtectionBypassed = "push_protection_bypassed"
	ActionWithdrawn              = "withdrawn"
	ActionSeverityChanged        = "severity_changed"
	// ActionStateChanged is a change to or from a well-formed state the
	// transition table has no rule for (GitHub adds states over time); the
	// record carries both states rather than a guessed action.
	ActionStateChanged    = "state_changed"
	ActionValidityChanged = "validity_changed"
	ActionPubliclyLeaked  = "publicly_leaked"
	ActionAssigned        = "assigned"
	ActionUnassigned      = "unassigned"
)

// Origin says which path observed the event.
type Origin string

// Record origins.
const (
	OriginBackfill  Origin = "backfill"
	OriginPoll      Origin = "poll"
	OriginWebhook   Origin = "webhook"
	OriginReconcile Origin = "reconcile"
)

// Record is one normalized event, the only shape sinks ever render.
// See docs/record.schema.json for the published JSON Schema.
type Record struct {
	Schema     int       `json:"schema"`
	ID         string    `json:"id"`
	Time       time.Time `json:"time"`
	ObservedAt time.Time `json:"observed_at"`
	Category   Category  `json:"category"`
	Source     Source    `json:"source"`

	// AlertSource is set on an audit record whose entry names an alert:
	// the alert's kind, the source its transition records carry, so that
	// (alert_source, repo, alert.number) of the audit record joins
	// (source, repo, alert.number) of the transitions. Its Alert then
	// holds only the number.
	AlertSource Source `json:"alert_source,omitempty"`

	Action     string          `json:"action"`
	Origin     Origin          `json:"origin"`
	Enterprise string          `json:"enterprise,omitempty"`
	Org        string          `json:"org,omitempty"`
	Repo       string          `json:"repo,omitempty"`
	Actor      string          `json:"actor,omitempty"`
	Alert      *AlertInfo      `json:"alert,omitempty"`
	Audit      *AuditInfo      `json:"audit,omitempty"`
	Request    *RequestInfo    `json:"request,omitempty"`
	Raw        json.RawMessage `json:"raw,omitempty"`
}

// AlertInfo describes the alert an alert record is about. On an audit
// record linked to an alert it holds the number alone.
type AlertInfo struct {
	Number int `json:"number"`
	// State is empty only on a request record, which names its alert by
	// number alone.
	State         string `json:"state,omitempty"`
	PreviousState string `json:"previous_state,omitempty"`
	Severity      string `json:"severity,omitempty"`
	SeverityRaw   string `json:"severity_raw,omitempty"`
	Title         string `json:"title,omitempty"`
	RuleID        string `json:"rule_id,omitempty"`
	GHSAID        string `json:"ghsa_id,omitempty"`
	CVEID         string `json:"cve_id,omitempty"`
	CVSSv3        *CVSS  `json:"cvss_v3,omitempty"`
	CVSSv4        *CVSS  `json:"cvss_v4,omitempty"`
	SecretType    string `json:"secret_type,omitempty"`
	Package       string `json:"package,omitempty"`
	Ecosystem     string `json:"ecosystem,omitempty"`
	Manifest      string `json:"manifest,omitempty"`
	Tool          string `json:"tool,omitempty"`
	Reason        string `json:"reason,omitempty"`
	Comment       string `json:"comment,omitempty"`
	Validity      string `json:"validity,omitempty"`
	// PreviousValidity is set on validity_changed records.
	PreviousValidity string `json:"previous_validity,omitempty"`
	// Assignee is the login added or removed by assigned / unassigned.
	Assignee  string     `json:"assignee,omitempty"`
	HTMLURL   string     `json:"html_url,omitempty"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	// PushProtectionBypassed and PushProtectionBypassedBy are on every
	// record of a secret scanning alert whose secret was pushed past push
	// protection, as GitHub's alert object carries them on every read: a
	// rule on one record (resolved as false_positive after a bypass) needs
	// no join with the earlier push_protection_bypassed record. A withdrawn
	// record has the flag alone, from the stored snapshot.
	PushProtectionBypassed   bool   `json:"push_protection_bypassed,omitempty"`
	PushProtectionBypassedBy string `json:"push_protection_bypassed_by,omitempty"`

	AlertDetails
}

// CVSS is one CVSS score of a Dependabot alert's advisory: AlertInfo's
// CVSSv3 (GitHub's cvss_severities.cvss_v3, or its older cvss) and CVSSv4
// (cvss_severities.cvss_v4).
type CVSS struct {
	Score  float64 `json:"score"`
	Vector string  `json:"vector_string,omitempty"`
}

// IsZero reports whether c carries neither score nor vector (GitHub's
// answer for a CVSS version the advisory has none of).
func (c CVSS) IsZero() bool { return c.Score == 0 && c.Vector == "" }

// AuditInfo carries an audit-log entry.
type AuditInfo struct {
	Action     string          `json:"action"`
	DocumentID string          `json:"document_id"`
	Entry      json.RawMessage `json:"entry"`
}

// Normalized severities.
const (
	SeverityCritical = "critical"
	SeverityHigh     = "high"
	SeverityMedium   = "medium"
	SeverityLow      = "low"
	SeverityNone     = "none"
)

// AlertRecordID is the stable dedup key of an alert record: the same event
// seen by poll, webhook or reconcile hashes to the same id.
func AlertRecordID(source Source, repo string, number int, action string, at time.Time) string {
	// digest's input, built in one buffer (on the stack for usual sizes):
	// this runs for every record of a backfill
	var buf [256]byte
	b := append(append(buf[:0], source...), 0)
	b = append(append(b, repo...), 0)
	b = append(strconv.AppendInt(b, int64(number), 10), 0)
	b = append(append(b, action...), 0)
	b = append(at.UTC().AppendFormat(b, time.RFC3339Nano), 0)
	sum := sha256.Sum256(b)
	var id [32]byte
	hex.Encode(id[:], sum[:16])
	return string(id[:])
}

// AuditRecordID is the stable dedup key of an audit record.
func AuditRecordID(documentID string) string {
	return digest(string(SourceAuditLog), documentID)
}

// AuditAlertRecordID is the stable dedup key of the record of one alert
// of an audit entry that names several (a code scanning event's
// alert_numbers): each alert's record is its own event. An entry naming one
// alert keeps AuditRecordID.
func AuditAlertRecordID(documentID string, number int) string {
	return digest(string(SourceAuditLog), documentID, strconv.Itoa(number))
}

func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
