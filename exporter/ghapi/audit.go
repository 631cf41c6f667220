package ghapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// AuditRequest asks for the audit log of an org or enterprise from Since on.
type AuditRequest struct {
	Scope   Scope // ScopeOrg or ScopeEnterprise
	Since   time.Time
	Include string // web | git | all
	// Phrase is extra search terms ANDed to the created:>= filter.
	Phrase  string
	PerPage int
}

// AuditEntry is one audit-log event.
type AuditEntry struct {
	DocumentID string
	Action     string
	Actor      string
	Org        string
	Repo       string
	Business   string
	At         time.Time
	Raw        json.RawMessage

	// Alerts are the alerts the entry names, when its action is about
	// alerts (auditlink.go); Withdraws says GitHub withdrew or deleted them.
	Alerts    []AuditAlert
	Withdraws bool
}

// AuditPageFunc receives each page, oldest first.
type AuditPageFunc func(page []AuditEntry) error

// ListAudit pages the audit log with phrase=created:>=Since in ascending
// order, following the Link header (cursor on GHEC, page numbers on GHES).
// It returns the number of requests made. Entries without a _document_id or
// @timestamp fail the listing: they could be neither deduplicated nor ordered.
func (c *Client) ListAudit(ctx context.Context, ar AuditRequest, fn AuditPageFunc) (int, error) {
	var path string
	switch ar.Scope.Kind {
	case ScopeOrg:
		path = "orgs/" + ar.Scope.Name + "/audit-log"
	case ScopeEnterprise:
		path = "enterprises/" + ar.Scope.Name + "/audit-log"
	default:
		return 0, fmt.Errorf("audit log: scope %s has no audit log", ar.Scope)
	}
	perPage := ar.PerPage
	if perPage <= 0 || perPage > 100 {
		perPage = 100
	}
	phrase := "created:>=" + ar.Since.UTC().Format(time.RFC3339)
	if ar.Phrase != "" {
		phrase += " " + ar.Phrase
	}
	q := url.Values{}
	q.Set("phrase", phrase)
	if ar.Include != "" {
		q.Set("include", ar.Include)
	}
	q.Set("order", "asc")
	q.Set("per_page", strconv.Itoa(perPage))
	next := path + "?" + q.Encode()
	pg, err := newPager(c.gh.BaseURL, next)
	if err != nil {
		return 0, fmt.Errorf("audit log of %s: %w", ar.Scope, err)
	}
	requests := 0
	for next != "" {
		req, err := c.gh.NewRequest(http.MethodGet, next, nil)
		if err != nil {
			return requests, err
		}
		var items []json.RawMessage
		resp, err := c.gh.Do(ctx, req, &items)
		requests++
		if err != nil {
			return requests, fmt.Errorf("audit log of %s (page %d): %w", ar.Scope, requests, describe(err))
		}
		page := make([]AuditEntry, 0, len(items))
		for i, raw := range items {
			e, err := decodeAudit(raw)
			if err != nil {
				return requests, fmt.Errorf("audit log of %s (page %d, item %d): %w", ar.Scope, requests, i, err)
			}
			page = append(page, e)
		}
		if err := fn(page); err != nil {
			return requests, err
		}
		if next, err = pg.next(resp.Header.Get("Link"), requests); err != nil {
			return requests, fmt.Errorf("audit log of %s: %w", ar.Scope, err)
		}
	}
	return requests, nil
}

func decodeAudit(raw json.RawMessage) (AuditEntry, error) {
	var v struct {
		DocumentID string          `json:"_document_id"`
		Timestamp  json.Number     `json:"@timestamp"`
		CreatedAt  json.Number     `json:"created_at"`
		Action     string          `json:"action"`
		Actor      string          `json:"actor"`
		Org        json.RawMessage `json:"org"`
		Repo       string          `json:"repo"`
		Business   string          `json:"business"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return AuditEntry{}, fmt.Errorf("decode audit entry: %w", err)
	}
	ts := v.Timestamp
	if ts == "" {
		ts = v.CreatedAt
	}
	ms, err := ts.Int64()
	if err != nil {
		f, ferr := ts.Float64()
		if ferr != nil {
			return AuditEntry{}, fmt.Errorf("decode audit entry %q: @timestamp %q is not epoch milliseconds", v.DocumentID, ts)
		}
		ms = int64(f)
	}
	if v.DocumentID == "" {
		return AuditEntry{}, fmt.Errorf("decode audit entry (%s at %d): no _document_id", v.Action, ms)
	}
	// RFC 3339, which records carry, has four-digit years only.
	if ms < 0 || ms > maxAuditMillis {
		return AuditEntry{}, fmt.Errorf("decode audit entry %q: @timestamp %d is out of range", v.DocumentID, ms)
	}
	if v.Action == "" {
		return AuditEntry{}, fmt.Errorf("decode audit entry %q: no action", v.DocumentID)
	}
	e := AuditEntry{DocumentID: v.DocumentID, Action: v.Action, Actor: v.Actor, Repo: v.Repo,
		Business: v.Business, At: time.UnixMilli(ms).UTC(), Raw: validUTF8JSON(raw)}
	// org is a string on GHEC, sometimes a list on enterprise entries
	var org string
	if json.Unmarshal(v.Org, &org) == nil {
		e.Org = org
	} else {
		var orgs []string
		if json.Unmarshal(v.Org, &orgs) == nil && len(orgs) > 0 {
			e.Org = orgs[0]
		}
	}
	if e.Repo != "" && !strings.Contains(e.Repo, "/") && e.Org != "" {
		e.Repo = e.Org + "/" + e.Repo
	}
	if !validRepo(e.Repo) {
		// the entry itself still carries whatever GitHub said
		e.Repo = ""
	}
	e.Alerts, e.Withdraws = auditAlerts(&e)
	return e, nil
}

// maxAuditMillis is 9999-12-31T23:59:59.999Z in epoch milliseconds.
const maxAuditMillis = 253402300799999
