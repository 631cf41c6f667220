package exporter

import (
	"reflect"
	"testing"
	"time"
)

func req(status string, mut ...func(*RequestObservation)) *RequestObservation {
	r := &RequestObservation{
		Key: RequestKey{Kind: RequestKindDismissal, Target: RequestTargetDependabot, Scope: "acme/widgets", Number: 42},
		ID:  21, Org: "acme", Repo: "acme/widgets",
		Status: status, Reason: "tolerable_risk", Requester: "dev1", RequesterComment: "internal tool",
		AlertNumbers: []int{7}, AlertTitle: "lodash", CreatedAt: t0, ExpiresAt: t0.Add(7 * 24 * time.Hour),
		HTMLURL: "https://github.com/acme/widgets/security/dependabot/7",
	}
	for _, m := range mut {
		m(r)
	}
	return r
}

func reviewed(by, status string, at time.Time) func(*RequestObservation) {
	return func(r *RequestObservation) {
		r.Reviews = append(r.Reviews, RequestReview{Reviewer: by, Status: status, Comment: "ok " + by, At: at})
	}
}

type rwant struct {
	action, prev, actor string
	at                  time.Time
}

func TestDiffRequest_Table(t *testing.T) {
	expires := t0.Add(7 * 24 * time.Hour)
	tests := []struct {
		name string
		prev *RequestSnapshot
		cur  *RequestObservation
		want []rwant
		self bool
		next RequestSnapshot
	}{
		{"unseen pending → created", nil, req(RequestPending),
			[]rwant{{ActionRequestCreated, "", "dev1", t0}}, false,
			RequestSnapshot{Status: RequestPending, Done: phaseCreated}},
		{"pending seen again → nothing", &RequestSnapshot{Status: RequestPending, Done: phaseCreated}, req(RequestPending),
			nil, false, RequestSnapshot{Status: RequestPending, Done: phaseCreated}},
		{"pending → approved by another", &RequestSnapshot{Status: RequestPending, Done: phaseCreated},
			req(RequestApproved, reviewed("lead", "approved", t1)),
			[]rwant{{ActionRequestApproved, RequestPending, "lead", t1}}, false,
			RequestSnapshot{Status: RequestApproved, Done: phaseCreated | phaseApproved}},
		{"unseen, approved by its requester → created + approved, self-reviewed", nil,
			req(RequestApproved, reviewed("Dev1", "approved", t1)),
			[]rwant{{ActionRequestCreated, "", "dev1", t0}, {ActionRequestApproved, "", "Dev1", t1}}, true,
			RequestSnapshot{Status: RequestApproved, Done: phaseCreated | phaseApproved}},
		{"pending → denied (webhook spelling normalized upstream)", &RequestSnapshot{Status: RequestPending, Done: phaseCreated},
			req(RequestDenied, reviewed("lead", "denied", t2)),
			[]rwant{{ActionRequestDenied, RequestPending, "lead", t2}}, false,
			RequestSnapshot{Status: RequestDenied, Done: phaseCreated | phaseDenied}},
		{"pending → expired at expires_at, no actor", &RequestSnapshot{Status: RequestPending, Done: phaseCreated},
			req(RequestExpired),
			[]rwant{{ActionRequestExpired, RequestPending, "", expires}}, false,
			RequestSnapshot{Status: RequestExpired, Done: phaseCreated | phaseExpired}},
		{"pending → cancelled by the requester, seen when observed", &RequestSnapshot{Status: RequestPending, Done: phaseCreated},
			req(RequestCancelled),
			[]rwant{{ActionRequestCancelled, RequestPending, "dev1", tO}}, false,
			RequestSnapshot{Status: RequestCancelled, Done: phaseCreated | phaseCancelled}},
		{"pending → completed between polls: approved + completed", &RequestSnapshot{Status: RequestPending, Done: phaseCreated},
			req(RequestCompleted, reviewed("lead", "approved", t1)),
			[]rwant{{ActionRequestApproved, RequestPending, "lead", t1}, {ActionRequestCompleted, RequestPending, "dev1", tO}}, false,
			RequestSnapshot{Status: RequestCompleted, Done: phaseCreated | phaseApproved | phaseCompleted}},
		{"approval withdrawn then denied: both, in review order", &RequestSnapshot{Status: RequestPending, Done: phaseCreated},
			req(RequestDenied, reviewed("lead2", "denied", t3), reviewed("lead", "approved", t1)),
			[]rwant{{ActionRequestApproved, RequestPending, "lead", t1}, {ActionRequestDenied, RequestPending, "lead2", t3}}, false,
			RequestSnapshot{Status: RequestDenied, Done: phaseCreated | phaseApproved | phaseDenied}},
		{"an older observation after approval adds nothing, keeps the status", &RequestSnapshot{Status: RequestApproved, Done: phaseCreated | phaseApproved},
			req(RequestPending), nil, false,
			RequestSnapshot{Status: RequestApproved, Done: phaseCreated | phaseApproved}},
		{"a status without a rule → request_status_changed, once", &RequestSnapshot{Status: RequestPending, Done: phaseCreated},
			req("deleted"),
			[]rwant{{ActionRequestStatusChanged, RequestPending, "", tO}}, false,
			RequestSnapshot{Status: "deleted", Done: phaseCreated}},
		{"the same unknown status again → nothing", &RequestSnapshot{Status: "deleted", Done: phaseCreated},
			req("deleted"), nil, false, RequestSnapshot{Status: "deleted", Done: phaseCreated}},
		{"a review withdrawn (dismissed) is no decision", &RequestSnapshot{Status: RequestPending, Done: phaseCreated},
			req(RequestPending, reviewed("lead", "dismissed", t1)), nil, false,
			RequestSnapshot{Status: RequestPending, Done: phaseCreated}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, next := DiffRequest(tt.prev, tt.cur, OriginPoll, tO)
			var got []rwant
			for _, r := range recs {
				got = append(got, rwant{r.Action, r.Request.PreviousStatus, r.Actor, r.Time})
				if r.Category != CategoryRequest || r.Source != SourceDependabot || r.Repo != "acme/widgets" || r.Org != "acme" {
					t.Errorf("%s: head %s %s %s %s", r.Action, r.Category, r.Source, r.Repo, r.Org)
				}
				if r.Alert == nil || r.Alert.Number != 7 || r.Alert.Title != "lodash" || r.Request.Number != 42 {
					t.Errorf("%s: alert %+v, request number %d", r.Action, r.Alert, r.Request.Number)
				}
				if r.Request.SelfReviewed != tt.self {
					t.Errorf("%s: self_reviewed = %v, want %v", r.Action, r.Request.SelfReviewed, tt.self)
				}
				if r.Request.Status != tt.cur.Status {
					t.Errorf("%s: status %q, want %q", r.Action, r.Request.Status, tt.cur.Status)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("records\n got %+v\nwant %+v", got, tt.want)
			}
			if next != tt.next {
				t.Errorf("next snapshot %+v, want %+v", next, tt.next)
			}
			// the snapshot it returns makes the same observation a no-op
			if again, _ := DiffRequest(&next, tt.cur, OriginPoll, tO.Add(time.Hour)); len(again) != 0 {
				t.Errorf("diffed again against its own snapshot: %d records", len(again))
			}
		})
	}
}

// The same request transition has the same id whichever path saw it and
// whenever; another alert of the same request, another status or another
// request has another id.
func TestDiffRequest_StableIDs(t *testing.T) {
	cur := req(RequestApproved, reviewed("lead", "approved", t1))
	poll, _ := DiffRequest(nil, cur, OriginPoll, tO)
	hook := *cur
	hook.Sender = "lead"
	wh, _ := DiffRequest(nil, &hook, OriginWebhook, tO.Add(time.Hour))
	if len(poll) != 2 || len(wh) != 2 || poll[0].ID != wh[0].ID || poll[1].ID != wh[1].ID {
		t.Fatalf("poll %v / webhook %v ids differ", ids(poll), ids(wh))
	}
	seen := map[string]bool{}
	for _, c := range []*RequestObservation{
		cur,
		req(RequestApproved, reviewed("lead", "approved", t1), func(r *RequestObservation) { r.AlertNumbers = []int{8} }),
		req(RequestApproved, reviewed("lead", "approved", t1), func(r *RequestObservation) { r.Key.Number = 43 }),
		req(RequestApproved, reviewed("lead", "approved", t1), func(r *RequestObservation) { r.Key.Target = RequestTargetCodeScanning }),
		req(RequestApproved, reviewed("lead", "approved", t1), func(r *RequestObservation) { r.Key.Scope = "acme/other" }),
	} {
		recs, _ := DiffRequest(nil, c, OriginPoll, tO)
		for _, r := range recs {
			if seen[r.ID] {
				t.Errorf("id %s repeats (%s %+v)", r.ID, r.Action, c.Key)
			}
			seen[r.ID] = true
		}
	}
}

// A request about several alerts gives one record per alert, each naming
// its alert and listing all of them; a bypass names none.
func TestDiffRequest_AlertFanOutAndBypass(t *testing.T) {
	recs, _ := DiffRequest(nil, req(RequestPending, func(r *RequestObservation) { r.AlertNumbers = []int{3, 5} }), OriginPoll, tO)
	if len(recs) != 2 || recs[0].Alert.Number != 3 || recs[1].Alert.Number != 5 || recs[0].ID == recs[1].ID ||
		!reflect.DeepEqual(recs[0].Request.AlertNumbers, []int{3, 5}) {
		t.Fatalf("fan-out: %+v", recs)
	}
	bypass := req(RequestPending, func(r *RequestObservation) {
		r.Key.Kind, r.Key.Target, r.AlertNumbers, r.AlertTitle = RequestKindBypass, RequestTargetPushRules, nil, ""
	})
	recs, _ = DiffRequest(nil, bypass, OriginPoll, tO)
	if len(recs) != 1 || recs[0].Alert != nil || recs[0].Source != SourcePushRules || recs[0].Request.Kind != RequestKindBypass {
		t.Fatalf("bypass: %+v", recs)
	}
}

func ids(recs []Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}
