package ingest

import (
	"strconv"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
)

// auditRequestActions maps the audit-log actions about dismissal and bypass
// requests (GitHub's audit-log reference) to the request they are about
// and the status they leave it in.
var auditRequestActions = map[string]struct{ kind, target, status string }{
	"secret_scanning_push_protection_request.request":  {exporter.RequestKindBypass, exporter.RequestTargetSecretScanning, exporter.RequestPending},
	"secret_scanning_push_protection_request.approve":  {exporter.RequestKindBypass, exporter.RequestTargetSecretScanning, exporter.RequestApproved},
	"secret_scanning_push_protection_request.deny":     {exporter.RequestKindBypass, exporter.RequestTargetSecretScanning, exporter.RequestDenied},
	"secret_scanning_push_protection_request.cancel":   {exporter.RequestKindBypass, exporter.RequestTargetSecretScanning, exporter.RequestCancelled},
	"secret_scanning_push_protection_request.complete": {exporter.RequestKindBypass, exporter.RequestTargetSecretScanning, exporter.RequestCompleted},
	"secret_scanning_closure_request.create":           {exporter.RequestKindDismissal, exporter.RequestTargetSecretScanning, exporter.RequestPending},
	"secret_scanning_closure_request.approve":          {exporter.RequestKindDismissal, exporter.RequestTargetSecretScanning, exporter.RequestApproved},
	"secret_scanning_closure_request.deny":             {exporter.RequestKindDismissal, exporter.RequestTargetSecretScanning, exporter.RequestDenied},
	"secret_scanning_closure_request.cancel":           {exporter.RequestKindDismissal, exporter.RequestTargetSecretScanning, exporter.RequestCancelled},
	"dependabot_closure_request.create":                {exporter.RequestKindDismissal, exporter.RequestTargetDependabot, exporter.RequestPending},
	"dependabot_closure_request.approve":               {exporter.RequestKindDismissal, exporter.RequestTargetDependabot, exporter.RequestApproved},
	"dependabot_closure_request.deny":                  {exporter.RequestKindDismissal, exporter.RequestTargetDependabot, exporter.RequestDenied},
	"dependabot_closure_request.cancel":                {exporter.RequestKindDismissal, exporter.RequestTargetDependabot, exporter.RequestCancelled},
	"code_scanning.alert_closure_requested":            {exporter.RequestKindDismissal, exporter.RequestTargetCodeScanning, exporter.RequestPending},
	"code_scanning.alert_closure_approved":             {exporter.RequestKindDismissal, exporter.RequestTargetCodeScanning, exporter.RequestApproved},
	"code_scanning.alert_closure_denied":               {exporter.RequestKindDismissal, exporter.RequestTargetCodeScanning, exporter.RequestDenied},
}

// auditRequest is what an audit entry says of the request it is about.
type auditRequest struct {
	Number    json.RawMessage `json:"number"`
	RequestID json.RawMessage `json:"request_id"`
}

// linkRequest gives an audit record about a request the request's kind,
// target, status and — where the entry says — number and id, the fields
// that join it to the request records of the same request (with repo).
// An entry that does not say leaves the rest out; nothing else changes.
func linkRequest(rec *exporter.Record, e ghapi.AuditEntry) {
	a, ok := auditRequestActions[e.Action]
	if !ok {
		return
	}
	info := &exporter.RequestInfo{Kind: a.kind, Target: a.target, Status: a.status}
	var v auditRequest
	if json.Unmarshal(e.Raw, &v) == nil {
		info.Number = int(positive(v.Number))
		info.ID = positive(v.RequestID)
	}
	rec.Request = info
}

// positive reads a JSON number or string of digits; 0 for anything else.
func positive(raw json.RawMessage) int64 {
	s := strings.Trim(string(raw), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > 1<<31 {
		return 0
	}
	return n
}
