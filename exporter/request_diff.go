package exporter

import (
	"cmp"
	"strings"
	"time"
)

// requestPhase bits: what has happened to a request. Phases only ever
// accumulate, so an observation older than the snapshot (an out-of-order
// webhook, a lagging replica) adds nothing and takes nothing back.
const (
	phaseCreated = 1 << iota
	phaseApproved
	phaseDenied
	phaseCancelled
	phaseExpired
	phaseCompleted
)

// statusPhase is the phase a status itself proves; 0 for pending and for
// statuses the table has no action for.
func statusPhase(status string) int {
	switch status {
	case RequestApproved:
		return phaseApproved
	case RequestDenied:
		return phaseDenied
	case RequestCancelled:
		return phaseCancelled
	case RequestExpired:
		return phaseExpired
	case RequestCompleted:
		return phaseCompleted
	}
	return 0
}

// knownRequestStatus reports whether the table has a rule for status.
func knownRequestStatus(status string) bool {
	return status == RequestPending || statusPhase(status) != 0
}

// phases is everything cur proves happened: it was created; a review
// approved or denied it; its status.
func (cur *RequestObservation) phases() int {
	p := phaseCreated | statusPhase(cur.Status)
	for _, r := range cur.Reviews {
		switch r.Status {
		case RequestApproved:
			p |= phaseApproved
		case RequestDenied:
			p |= phaseDenied
		}
	}
	return p
}

// SelfReviewed reports whether a reviewer who approved or denied the request
// is its requester (logins compare case-insensitively, as GitHub's do).
func (cur *RequestObservation) SelfReviewed() bool {
	for _, r := range cur.Reviews {
		if (r.Status == RequestApproved || r.Status == RequestDenied) && cur.Requester != "" && strings.EqualFold(r.Reviewer, cur.Requester) {
			return true
		}
	}
	return false
}

// DiffRequest compares a request's stored snapshot (nil when never seen)
// with what GitHub reports now and returns the request records, in the
// order they happened, and the snapshot to store. It is pure: the same
// inputs give the same records with the same ids.
//
// Each action is emitted once per request: request_created, then
// request_approved / request_denied (from the status or a review: an
// approval later withdrawn and a denial are both history), then the end
// the status says (request_cancelled, request_expired, request_completed).
// A status without a rule becomes request_status_changed whenever the
// status moves to it. A request about several alerts gives one record per
// alert, each naming its alert.
func DiffRequest(prev *RequestSnapshot, cur *RequestObservation, origin Origin, observedAt time.Time) ([]Record, RequestSnapshot) {
	var was RequestSnapshot
	if prev != nil {
		was = *prev
	}
	now := cur.phases()
	next := RequestSnapshot{Status: was.Status, Done: was.Done | now}
	fresh := now &^ was.Done
	unknownMove := !knownRequestStatus(cur.Status) && cur.Status != was.Status
	if fresh != 0 || unknownMove || prev == nil {
		next.Status = cur.Status
	}
	d := requestDiffer{cur: cur, origin: origin, observed: observedAt.UTC(), prevStatus: was.Status, self: cur.SelfReviewed()}
	if fresh&phaseCreated != 0 {
		d.prevStatus = ""
		d.emit(ActionRequestCreated, ActionRequestCreated, cur.CreatedAt, cur.Requester, nil)
		d.prevStatus = was.Status
	}
	// reviews in the order they were given
	if fresh&(phaseApproved|phaseDenied) != 0 {
		d.reviews(fresh)
	}
	end := func(bit int, action string, at time.Time, actor string) {
		if fresh&bit != 0 {
			d.emit(action, action, at, actor, nil)
		}
	}
	end(phaseCancelled, ActionRequestCancelled, d.observed, cmp.Or(cur.Sender, cur.Requester))
	end(phaseExpired, ActionRequestExpired, cur.ExpiresAt, "")
	end(phaseCompleted, ActionRequestCompleted, d.observed, cmp.Or(cur.Sender, cur.Requester))
	if unknownMove {
		d.emit(ActionRequestStatusChanged, ActionRequestStatusChanged+"/"+cur.Status, d.observed, cur.Sender, nil)
	}
	return d.out, next
}

type requestDiffer struct {
	cur        *RequestObservation
	origin     Origin
	observed   time.Time
	prevStatus string
	self       bool
	out        []Record
}

// reviews emits request_approved and request_denied for the fresh ones of
// those phases: from the latest review that says so (its reviewer, comment
// and time), else from the status alone.
func (d *requestDiffer) reviews(fresh int) {
	type decision struct {
		bit    int
		action string
		review *RequestReview
	}
	ds := []decision{{phaseApproved, ActionRequestApproved, nil}, {phaseDenied, ActionRequestDenied, nil}}
	for i := range d.cur.Reviews {
		r := &d.cur.Reviews[i]
		for j := range ds {
			if r.Status == ds[j].action[len("request_"):] {
				ds[j].review = r
			}
		}
	}
	if ds[1].review != nil && ds[0].review != nil && ds[1].review.At.Before(ds[0].review.At) {
		ds[0], ds[1] = ds[1], ds[0]
	}
	for _, x := range ds {
		if fresh&x.bit == 0 {
			continue
		}
		at, actor := d.observed, d.cur.Sender
		if x.review != nil {
			at, actor = orTime(x.review.At, d.observed), x.review.Reviewer
		}
		rv := x.review
		d.emit(x.action, x.action, at, actor, func(info *RequestInfo) {
			if rv != nil {
				info.Reviewer, info.ReviewerComment = rv.Reviewer, rv.Comment
			}
		})
	}
}

func (d *requestDiffer) emit(action, idAction string, at time.Time, actor string, fill func(*RequestInfo)) {
	c := d.cur
	at = orTime(at, d.observed).UTC()
	info := RequestInfo{
		Kind: c.Key.Kind, Target: c.Key.Target, Number: c.Key.Number, ID: c.ID,
		Status: c.Status, PreviousStatus: d.prevStatus, Reason: c.Reason,
		Requester: c.Requester, RequesterComment: c.RequesterComment, Reviews: c.Reviews,
		SelfReviewed: d.self, HTMLURL: c.HTMLURL,
	}
	if len(c.AlertNumbers) > 1 {
		info.AlertNumbers = c.AlertNumbers
	}
	var times [2]time.Time
	info.CreatedAt = boxTime(&times[0], c.CreatedAt)
	info.ExpiresAt = boxTime(&times[1], c.ExpiresAt)
	if fill != nil {
		fill(&info)
	}
	alerts := c.AlertNumbers
	if len(alerts) == 0 {
		alerts = []int{0}
	}
	for _, n := range alerts {
		r := Record{
			Schema: SchemaVersion, ID: RequestRecordID(c.Key, idAction, n),
			Time: at, ObservedAt: d.observed, Category: CategoryRequest, Source: RequestSource(c.Key.Target),
			Action: action, Origin: d.origin, Enterprise: c.Enterprise, Org: c.Org, Repo: c.Repo,
			Actor: actor, Request: &info, Raw: c.Raw,
		}
		if n > 0 {
			r.Alert = &AlertInfo{Number: n, Title: c.AlertTitle, SecretType: c.SecretType}
		}
		d.out = append(d.out, r)
	}
}
