package ocsf

import (
	"cmp"
	"fmt"
	"strconv"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// requestOf is the request rec is about, and its JSON as the record
// carries it (kept whole in unmapped.request).
func requestOf(rec *exporter.Record) (*exporter.RequestInfo, json.RawMessage, error) {
	if rec.Request == nil {
		return nil, nil, fmt.Errorf("%w: request record without request", ErrIncomplete)
	}
	raw, err := json.Marshal(rec.Request)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: request: %v", ErrIncomplete, err)
	}
	return rec.Request, raw, nil
}

func mapRequestRecord(ev *event, rec *exporter.Record) error {
	ri, raw, err := requestOf(rec)
	if err != nil {
		return err
	}
	mapRequest(ev, rec, ri, raw)
	return nil
}

// RequestFindingUID is the finding_info.uid of every event about one
// request: kind_request:target:scope#number, e.g.
// "bypass_request:secret_scanning:acme/api#12"; scope is the repository,
// or the organization for a request about none.
func RequestFindingUID(kind, target, scope string, number int) string {
	return kind + "_request:" + target + ":" + scope + "#" + strconv.Itoa(number)
}

// mapRequest maps a request record to a Detection Finding: the finding is
// "a security control stopped something and a person asked to let it
// through", open while the request waits for review.
func mapRequest(ev *event, rec *exporter.Record, ri *exporter.RequestInfo, raw json.RawMessage) {
	activity, status := requestLifecycle(rec.Action, ri.Kind, ri.Status)
	ev.classify(detectionFinding, activity, "")
	ev.findingStatus(status, ri.Status)
	// a request is a decision to make, not a flaw: how severe the alert
	// it concerns is stays with the alert's own events
	ev.severity(severityInformational, "")
	ev.StatusDetail, ev.Comment = ri.Reason, ri.ReviewerComment
	scope := cmp.Or(rec.Repo, rec.Org)
	title := ri.Kind + " request for " + ri.Target
	ev.Message = fmt.Sprintf("%s %s#%d %s", title, scope, ri.Number, rec.Action)
	fi := &findingInfo{
		UID: RequestFindingUID(ri.Kind, ri.Target, scope, ri.Number), Title: title,
		Desc: ri.RequesterComment, SrcURL: ri.HTMLURL, CreatedTime: millisPtr(ri.CreatedAt),
		Product: &product{Name: requestProducts[ri.Kind+"/"+ri.Target], VendorName: "GitHub"},
	}
	if fi.Product.Name == "" {
		fi.Product.Name = "GitHub"
	}
	numbers := ri.AlertNumbers
	if rec.Alert != nil && rec.Alert.Number != 0 {
		numbers = []int{rec.Alert.Number}
	}
	if src := exporter.Source(ri.Target); productNames[src] != "" && rec.Repo != "" {
		for _, n := range numbers {
			fi.RelatedEvents = append(fi.RelatedEvents, relatedEvent{UID: FindingUID(src, rec.Repo, n)})
		}
	}
	ev.FindingInfo = fi
	if ri.Requester != "" {
		ev.Evidences = append(ev.Evidences, evidence{Name: "requester", User: &user{Name: ri.Requester}})
	}
	if ri.Reviewer != "" {
		ev.Evidences = append(ev.Evidences, evidence{Name: "reviewer", User: &user{Name: ri.Reviewer}})
	}
	ev.Resources = scopeResources(rec)
	ev.Unmapped.Actor = rec.Actor
	ev.Unmapped.Request = raw
}

var requestProducts = map[string]string{
	"bypass/secret_scanning":    "Push protection",
	"bypass/push_rules":         "Push rulesets",
	"dismissal/code_scanning":   "Code scanning",
	"dismissal/dependabot":      "Dependabot",
	"dismissal/secret_scanning": "Secret scanning",
}

// requestLifecycle is the activity of a request record's action and the
// finding status of the request's status: a pending request is new; a
// review ends it (approved or denied: resolved) except that an approved
// bypass stays in progress until the push completes it; a request
// cancelled or expired unreviewed is archived.
func requestLifecycle(action, kind, status string) (activity, findingStatus int) {
	switch status {
	case "pending":
		findingStatus = statusNew
	case "approved":
		findingStatus = statusResolved
		if kind == "bypass" {
			findingStatus = statusInProgress
		}
	case "denied", "completed":
		findingStatus = statusResolved
	case "cancelled", "expired":
		findingStatus = statusArchived
	default:
		findingStatus = statusOther
	}
	switch action {
	case "request_created":
		activity = activityCreate
	case "request_denied", "request_cancelled", "request_expired", "request_completed":
		activity = activityClose
	case "request_approved":
		activity = activityClose
		if kind == "bypass" {
			activity = activityUpdate
		}
	default:
		activity = activityUpdate
	}
	return activity, findingStatus
}
