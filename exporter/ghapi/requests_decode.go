package ghapi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// rawItem is one member of a page's array, undecoded.
type rawItem = json.RawMessage

// splitArray splits a page into its items; a page that is not a JSON array
// fails the listing.
func splitArray(body []byte) ([]rawItem, error) {
	var items []rawItem
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, fmt.Errorf("page is not a JSON array: %w", err)
	}
	return items, nil
}

// flexInt reads a number GitHub writes either as a JSON number or as a
// string of digits (its descriptions declare a dismissal request's
// alert_number a string, its examples send numbers).
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("not a non-negative integer: %.40s", b)
	}
	*f = flexInt(n)
	return nil
}

// requestActor is a requester or reviewer in GitHub's REST request objects.
type requestActor struct {
	Name string `json:"actor_name"`
}

// requestObject is a REST dismissal or bypass request: the members the
// exporter reads, in GitHub's shape (the descriptions' *-dismissal-request
// and *-bypass-request schemas).
type requestObject struct {
	ID         int64   `json:"id"`
	Number     flexInt `json:"number"`
	Repository *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Organization *struct {
		Name string `json:"name"`
	} `json:"organization"`
	Requester   requestActor `json:"requester"`
	RequestType string       `json:"request_type"`
	Data        []struct {
		Reason       string  `json:"reason"`
		BypassReason string  `json:"bypass_reason"`
		AlertNumber  flexInt `json:"alert_number"`
		AlertTitle   string  `json:"alert_title"`
		SecretType   string  `json:"secret_type"`
	} `json:"data"`
	Status           string  `json:"status"`
	RequesterComment *string `json:"requester_comment"`
	ExpiresAt        string  `json:"expires_at"`
	CreatedAt        string  `json:"created_at"`
	Responses        []struct {
		Reviewer  requestActor `json:"reviewer"`
		Status    string       `json:"status"`
		Message   *string      `json:"message"`
		CreatedAt string       `json:"created_at"`
	} `json:"responses"`
	HTMLURL string `json:"html_url"`
}

// decodeRequest turns one REST request object of list l into an
// observation, refusing what could be neither keyed nor diffed: no number,
// a malformed status or time, a repository that is not owner/name.
func decodeRequest(raw []byte, l RequestList, includeRaw bool) (exporter.RequestObservation, error) {
	var v requestObject
	if err := json.Unmarshal(raw, &v); err != nil {
		return exporter.RequestObservation{}, fmt.Errorf("decode request: %w", err)
	}
	o := exporter.RequestObservation{
		Key: exporter.RequestKey{Kind: l.Kind, Target: l.Target, Number: int(v.Number)}, ID: v.ID,
		Status: exporter.NormalizeRequestStatus(v.Status), Requester: v.Requester.Name, HTMLURL: v.HTMLURL,
	}
	if v.RequesterComment != nil {
		o.RequesterComment = *v.RequesterComment
	}
	if v.Repository != nil && v.Repository.FullName != "" {
		o.Repo = v.Repository.FullName
	} else if l.Scope.Kind == ScopeRepo {
		o.Repo = l.Scope.Name
	}
	if v.Organization != nil && v.Organization.Name != "" {
		o.Org = v.Organization.Name
	}
	switch l.Scope.Kind {
	case ScopeOrg:
		o.Org = l.Scope.Name
	case ScopeEnterprise:
		o.Enterprise = l.Scope.Name
	}
	for _, d := range v.Data {
		if d.AlertNumber > 0 {
			o.AlertNumbers = append(o.AlertNumbers, int(d.AlertNumber))
		}
		o.Reason = firstOf(o.Reason, d.Reason, d.BypassReason)
		o.AlertTitle = firstOf(o.AlertTitle, d.AlertTitle)
		o.SecretType = firstOf(o.SecretType, d.SecretType)
	}
	if err := requestTimes(&o, v.CreatedAt, v.ExpiresAt); err != nil {
		return o, err
	}
	for _, r := range v.Responses {
		rv, err := requestReview(r.Reviewer.Name, r.Status, r.Message, r.CreatedAt)
		if err != nil {
			return o, err
		}
		o.Reviews = append(o.Reviews, rv)
	}
	if includeRaw {
		o.Raw = validUTF8JSON(raw)
	}
	return o, finishRequest(&o)
}

// finishRequest checks what every source of request observations must
// give and sets the key's scope.
func finishRequest(o *exporter.RequestObservation) error {
	if o.Key.Number <= 0 {
		return errors.New("decode request: no number")
	}
	if !exporter.WellFormedState(o.Status) {
		return fmt.Errorf("decode request #%d: status %.40q is not a status", o.Key.Number, o.Status)
	}
	if o.Repo != "" && !validRepo(o.Repo) {
		return fmt.Errorf("decode request #%d: repository %.80q is not owner/name", o.Key.Number, o.Repo)
	}
	if o.Org == "" && o.Repo != "" {
		o.Org = ownerOf(o.Repo)
	}
	o.Key.Scope = o.Repo
	if o.Key.Scope == "" {
		o.Key.Scope = o.Org
	}
	if o.Key.Scope == "" {
		return fmt.Errorf("decode request #%d: names neither a repository nor an organization", o.Key.Number)
	}
	if o.CreatedAt.IsZero() {
		return fmt.Errorf("decode request #%d: no created_at", o.Key.Number)
	}
	return nil
}

// requestTimes sets o's creation and expiry times from a request's
// created_at and expires_at, as both REST and webhook objects give them.
func requestTimes(o *exporter.RequestObservation, created, expires string) error {
	var err error
	if o.CreatedAt, err = requestTime("created_at", created); err != nil {
		return err
	}
	o.ExpiresAt, err = requestTime("expires_at", expires)
	return err
}

// requestReview is one of a request's responses, from the members REST
// and webhook objects name differently: who reviewed, the status, the
// comment (null when none) and created_at.
func requestReview(reviewer, status string, comment *string, at string) (exporter.RequestReview, error) {
	rv := exporter.RequestReview{Reviewer: reviewer, Status: exporter.NormalizeRequestStatus(status)}
	if comment != nil {
		rv.Comment = *comment
	}
	var err error
	rv.At, err = requestTime("responses[].created_at", at)
	return rv, err
}

// requestTime parses an RFC 3339 time of a request ("" is none); years
// past 9999, which records cannot carry, are refused.
func requestTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Year() > 9999 || t.Year() < 1 {
		return time.Time{}, fmt.Errorf("decode request: %s %.40q is not an RFC 3339 time", field, s)
	}
	return t.UTC(), nil
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
