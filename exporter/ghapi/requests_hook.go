package ghapi

import (
	"fmt"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// requestTypes maps GitHub's request_type to the exporter's kind and
// target; license compliance dismissals concern no security alert.
var requestTypes = map[string][2]string{
	"push_ruleset_bypass":           {exporter.RequestKindBypass, exporter.RequestTargetPushRules},
	"secret_scanning":               {exporter.RequestKindBypass, exporter.RequestTargetSecretScanning},
	"secret_scanning_closure":       {exporter.RequestKindDismissal, exporter.RequestTargetSecretScanning},
	"code_scanning_alert_dismissal": {exporter.RequestKindDismissal, exporter.RequestTargetCodeScanning},
	"dependabot_alert_dismissal":    {exporter.RequestKindDismissal, exporter.RequestTargetDependabot},
}

// hookRequest is the exemption_request object of a request webhook
// (exemption_request_*, dismissal_request_*, bypass_request_* events), in
// GitHub's shape (the descriptions' x-webhooks).
type hookRequest struct {
	ID             int64   `json:"id"`
	Number         flexInt `json:"number"`
	RequesterLogin string  `json:"requester_login"`
	RequestType    string  `json:"request_type"`
	Data           *struct {
		Data []struct {
			AlertNumber flexInt `json:"alert_number"`
			SecretType  string  `json:"secret_type"`
		} `json:"data"`
	} `json:"exemption_request_data"`
	Status           string  `json:"status"`
	RequesterComment *string `json:"requester_comment"`
	Metadata         *struct {
		AlertTitle string `json:"alert_title"`
		Reason     string `json:"reason"`
	} `json:"metadata"`
	ExpiresAt string `json:"expires_at"`
	CreatedAt string `json:"created_at"`
	Responses []struct {
		ReviewerLogin   string  `json:"reviewer_login"`
		Status          string  `json:"status"`
		ReviewerComment *string `json:"reviewer_comment"`
		CreatedAt       string  `json:"created_at"`
	} `json:"responses"`
	HTMLURL string `json:"html_url"`
}

// ErrNotSecurityRequest is returned by DecodeWebhookRequest for a request
// that concerns no security alert or push rule (a license compliance
// dismissal): the delivery is acknowledged and ignored.
var ErrNotSecurityRequest = fmt.Errorf("request is not about a security alert or push rule")

// DecodeWebhookRequest turns a request webhook's exemption_request object
// into the observation a poll of its list makes. Webhooks say "rejected"
// where lists say "denied", and keep a reviewed request "pending": the
// latest decision of its responses is then its status, as the list shows
// it.
func DecodeWebhookRequest(raw []byte, repo, org, enterprise string, includeRaw bool) (exporter.RequestObservation, error) {
	var v hookRequest
	if err := json.Unmarshal(raw, &v); err != nil {
		return exporter.RequestObservation{}, fmt.Errorf("decode exemption_request: %w", err)
	}
	kt, ok := requestTypes[v.RequestType]
	if !ok {
		return exporter.RequestObservation{}, fmt.Errorf("%w: request_type %.40q", ErrNotSecurityRequest, v.RequestType)
	}
	o := exporter.RequestObservation{
		Key: exporter.RequestKey{Kind: kt[0], Target: kt[1], Number: int(v.Number)}, ID: v.ID,
		Repo: repo, Org: org, Enterprise: enterprise,
		Status: exporter.NormalizeRequestStatus(v.Status), Requester: v.RequesterLogin, HTMLURL: v.HTMLURL,
	}
	if v.RequesterComment != nil {
		o.RequesterComment = *v.RequesterComment
	}
	if v.Metadata != nil {
		o.Reason, o.AlertTitle = v.Metadata.Reason, v.Metadata.AlertTitle
	}
	if v.Data != nil {
		for _, d := range v.Data.Data {
			if d.AlertNumber > 0 {
				o.AlertNumbers = append(o.AlertNumbers, int(d.AlertNumber))
			}
			o.SecretType = firstOf(o.SecretType, d.SecretType)
		}
	}
	if err := requestTimes(&o, v.CreatedAt, v.ExpiresAt); err != nil {
		return o, err
	}
	for _, r := range v.Responses {
		rv, err := requestReview(r.ReviewerLogin, r.Status, r.ReviewerComment, r.CreatedAt)
		if err != nil {
			return o, err
		}
		o.Reviews = append(o.Reviews, rv)
		if o.Status == exporter.RequestPending || o.Status == exporter.RequestApproved || o.Status == exporter.RequestDenied {
			switch rv.Status {
			case exporter.RequestApproved, exporter.RequestDenied:
				o.Status = rv.Status
			}
		}
	}
	if includeRaw {
		o.Raw = validUTF8JSON(raw)
	}
	return o, finishRequest(&o)
}
