package email

import (
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// requestRecords are the records the request diff makes of a period's
// requests: a dismissal approved by its own requester, one approved by a
// reviewer, a bypass denied, one expired, one cancelled.
func requestRecords() []exporter.Record {
	t0 := base.Add(-20 * time.Hour)
	mk := func(kind, target string, number, alert int, status, requester string, reviews ...exporter.RequestReview) []exporter.Record {
		o := exporter.RequestObservation{
			Key: exporter.RequestKey{Kind: kind, Target: target, Scope: "acme/widgets", Number: number}, Org: "acme", Repo: "acme/widgets",
			Status: status, Reason: "tolerable_risk", Requester: requester, RequesterComment: "internal only", Reviews: reviews,
			CreatedAt: t0.Add(time.Duration(number) * time.Minute), ExpiresAt: t0.Add(time.Duration(number)*time.Minute + 7*24*time.Hour),
			HTMLURL: "https://github.com/acme/widgets/exemptions/" + itoa(number),
		}
		if status == "expired" { // made a week before it expired
			o.CreatedAt, o.ExpiresAt = o.CreatedAt.Add(-7*24*time.Hour), o.ExpiresAt.Add(-7*24*time.Hour)
		}
		if alert > 0 {
			o.AlertNumbers = []int{alert}
		}
		recs, _ := exporter.DiffRequest(&exporter.RequestSnapshot{Status: "pending", Done: 1}, &o, exporter.OriginPoll, base.Add(-time.Hour))
		return recs
	}
	rv := func(by, status string, h int) exporter.RequestReview {
		return exporter.RequestReview{Reviewer: by, Status: status, Comment: "ok", At: t0.Add(time.Duration(h) * time.Hour)}
	}
	var out []exporter.Record
	out = append(out, mk("dismissal", "dependabot", 1, 7, "approved", "lead", rv("carol", "approved", 3))...)
	out = append(out, mk("dismissal", "dependabot", 2, 9, "approved", "dave", rv("dave", "approved", 5))...)
	out = append(out, mk("bypass", "push_rules", 3, 0, "denied", "erin", rv("carol", "denied", 2))...)
	out = append(out, mk("bypass", "secret_scanning", 4, 0, "expired", "frank")...)
	out = append(out, mk("dismissal", "code_scanning", 5, 2, "cancelled", "gina")...)
	return out
}

// The digest's requests section: approved, denied and expired requests,
// the self-reviewed first, with counts; cancelled ones are counted in the
// events only.
func TestDigest_GoldenRequests(t *testing.T) {
	recs := requestRecords()
	r, d := renderPeriod(t, recs)
	golden(t, "digest_requests.txt", r.Text)
	golden(t, "digest_requests.html", r.HTML)
	if d.New != len(recs) || d.RequestsApproved != 2 || d.RequestsDenied != 1 || d.RequestsExpired != 1 || d.RequestsSelfReviewed != 1 {
		t.Fatalf("counts: new %d, approved %d, denied %d, expired %d, self %d", d.New, d.RequestsApproved, d.RequestsDenied, d.RequestsExpired, d.RequestsSelfReviewed)
	}
	items := d.Requests.Items
	if len(items) != 4 || !items[0].SelfReviewed || items[0].Requester != "dave" || items[0].AlertNumber != 9 {
		t.Fatalf("request lines: %+v", items)
	}
	if len(d.Counts) != 0 || !strings.Contains(r.Text, "[SELF-REVIEWED] acme/widgets dismissal request #2") {
		t.Errorf("counts %+v; text:\n%s", d.Counts, r.Text)
	}
}

func TestEntry_RequestRoundTrip(t *testing.T) {
	for _, r := range requestRecords() {
		want := entryOf(r)
		var got entry
		if err := got.decode(want.append(nil)); err != nil {
			t.Fatalf("%s: decode: %v", r.ID, err)
		}
		got.Time, got.Created, want.Time, want.Created = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if got != want || !got.Request || got.Kind == "" {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
		if key := entrySeenKey(want.append(nil)); key == nil {
			t.Errorf("%s: no seen key", r.ID)
		}
		if _, ok := encodedTimeToFix(want.append(nil)); ok {
			t.Errorf("%s: a request has a time to fix", r.ID)
		}
	}
}
