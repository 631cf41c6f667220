package ecs

import (
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// githubRequest is the part of a request record ECS has no field for.
type githubRequest struct {
	Kind             string         `json:"kind"`
	Target           string         `json:"target"`
	Number           int            `json:"number"`
	ID               int64          `json:"id,omitempty"`
	Status           string         `json:"status"`
	PreviousStatus   string         `json:"previous_status,omitempty"`
	Requester        string         `json:"requester,omitempty"`
	RequesterComment string         `json:"requester_comment,omitempty"`
	Reviewer         string         `json:"reviewer,omitempty"`
	ReviewerComment  string         `json:"reviewer_comment,omitempty"`
	Reviews          []githubReview `json:"reviews,omitempty"`
	SelfReviewed     bool           `json:"self_reviewed,omitempty"`
	AlertNumbers     []int          `json:"alert_numbers,omitempty"`
	CreatedAt        *time.Time     `json:"created_at,omitempty"`
	ExpiresAt        *time.Time     `json:"expires_at,omitempty"`
}

type githubReview struct {
	Reviewer string     `json:"reviewer"`
	Status   string     `json:"status"`
	Comment  string     `json:"comment,omitempty"`
	At       *time.Time `json:"at,omitempty"`
}

// Categorization of request records (docs/ecs.md says why): a bypass
// request asks for an exception for a user (iam), a dismissal request for
// a change to a security finding's status (configuration). Both
// categories expect creation, change and info.
var (
	categoryBypassRequest    = []string{"iam"}
	categoryDismissalRequest = []string{"configuration"}
	typeCreation             = []string{"creation"}
	typeChange               = []string{"change"}
)

// mapRequest fills d for a request record: event.kind event (a step of a
// review workflow, not a detection: the SIEM's rules decide which are
// notable, e.g. github.request.self_reviewed), event.type creation for a
// new request and change for every later step.
func mapRequest(d *document, rec *exporter.Record) {
	e := &d.Event
	e.Kind, e.Dataset = "event", module+".request"
	e.Category, e.Type = categoryDismissalRequest, typeChange
	if rec.Action == "request_created" {
		e.Type = typeCreation
	}
	if a := rec.Alert; a != nil {
		d.p.alert = githubAlert{Number: a.Number, Title: a.Title}
		d.GitHub.Alert = &d.p.alert
		if a.SecretType != "" {
			// as on the alert's own records: a search by secret type finds
			// the requests too
			d.p.rule = rule{ID: a.SecretType}
			d.Rule = &d.p.rule
		}
	}
	req := rec.Request
	if req == nil {
		return
	}
	if req.Kind == exporter.RequestKindBypass {
		e.Category = categoryBypassRequest
	}
	e.Reason = req.Reason
	d.setURL(req.HTMLURL)
	// a reviewer's or a closer's step acts on the requester's request
	if req.Requester != "" && req.Requester != rec.Actor {
		d.target().Name = req.Requester
	}
	d.related(req.Requester, req.Reviewer)
	g := &githubRequest{
		Kind: req.Kind, Target: req.Target, Number: req.Number, ID: req.ID,
		Status: req.Status, PreviousStatus: req.PreviousStatus,
		Requester: req.Requester, RequesterComment: req.RequesterComment,
		Reviewer: req.Reviewer, ReviewerComment: req.ReviewerComment,
		SelfReviewed: req.SelfReviewed, AlertNumbers: req.AlertNumbers,
		CreatedAt: d.time(0, req.CreatedAt), ExpiresAt: d.time(1, req.ExpiresAt),
	}
	for _, r := range req.Reviews {
		rv := githubReview{Reviewer: r.Reviewer, Status: r.Status, Comment: r.Comment}
		if !r.At.IsZero() {
			at := r.At.UTC()
			rv.At = &at
		}
		g.Reviews = append(g.Reviews, rv)
		d.related(r.Reviewer)
	}
	d.GitHub.Request = g
}
