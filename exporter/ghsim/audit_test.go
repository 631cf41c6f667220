package ghsim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
)

type entry struct {
	Timestamp int64  `json:"@timestamp"`
	CreatedAt int64  `json:"created_at"`
	DocID     string `json:"_document_id"`
	Action    string `json:"action"`
	Actor     string `json:"actor"`
	Org       string `json:"org"`
	Repo      string `json:"repo"`
	Business  string `json:"business"`
	Number    int    `json:"number"`
	AlertNum  int    `json:"alert_number"`
}

func auditPage(t *testing.T, g got) []entry {
	t.Helper()
	if g.status != http.StatusOK {
		t.Fatalf("audit log: %d %s", g.status, g.body)
	}
	var out []entry
	if err := json.Unmarshal(g.body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAudit_IndexingLag(t *testing.T) {
	s := New(Options{AuditLag: 10 * time.Minute, Seed: 42})
	srv := start(t, s)
	t0 := s.Now()
	ids := map[string]time.Time{}
	for i := 0; i < 40; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		ids[s.AddAuditEvent("acme", AuditEvent{Action: "secret_scanning_alert.resolve", Actor: "bob", Repo: "acme/app", At: at,
			Fields: map[string]any{"number": i + 1}})] = at
	}
	visible := func() []entry {
		return auditPage(t, get(t, srv, "/orgs/acme/audit-log?per_page=100"))
	}
	seen := 0
	for step := 0; step <= 11; step++ {
		n := len(visible())
		if n < seen {
			t.Fatalf("visible events went from %d to %d", seen, n)
		}
		seen = n
		s.Advance(time.Minute)
	}
	got := visible()
	if len(got) != 40 {
		t.Fatalf("after the lag %d events visible, want 40", len(got))
	}
	for _, e := range got {
		at, ok := ids[e.DocID]
		if !ok || e.Timestamp != at.UnixMilli() || e.CreatedAt != e.Timestamp || e.Org != "acme" || e.Number == 0 {
			t.Errorf("entry %+v: want @timestamp %d", e, at.UnixMilli())
		}
	}
	// The lag is real: at t0+5m some but not all events were visible.
	s2 := New(Options{AuditLag: 10 * time.Minute, Seed: 42})
	for i := 0; i < 40; i++ {
		s2.AddAuditEvent("acme", AuditEvent{Action: "org.update_member", Actor: "bob"})
	}
	s2.Advance(5 * time.Minute)
	n := len(auditPage(t, get(t, start(t, s2), "/orgs/acme/audit-log?per_page=100")))
	if n == 0 || n == 40 {
		t.Errorf("halfway through the lag %d of 40 events visible, want some", n)
	}
}

func TestAudit_PhraseIncludeAndOrder(t *testing.T) {
	s := New(Options{Product: ProductGHEC})
	s.AddEnterprise("acme-corp", "acme")
	srv := start(t, s)
	day := time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC)
	add := func(action, actor string, at time.Time) {
		s.AddAuditEvent("acme", AuditEvent{Action: action, Actor: actor, Repo: "acme/app", At: at})
	}
	add("repository_vulnerability_alert.dismiss", "alice", day.Add(1*time.Hour))
	add("secret_scanning_alert.resolve", "bob", day.Add(2*time.Hour))
	add("secret_scanning_alert.reopen", "bob", day.Add(25*time.Hour)) // 2026-01-05T01:00
	add("git.push", "carol", day.Add(26*time.Hour))
	add("org.update_member", "alice", day.Add(27*time.Hour))
	tests := []struct {
		query string
		want  []string // actions, in order
	}{
		{"", []string{"org.update_member", "secret_scanning_alert.reopen", "secret_scanning_alert.resolve", "repository_vulnerability_alert.dismiss"}},
		{"order=asc&include=all", []string{"repository_vulnerability_alert.dismiss", "secret_scanning_alert.resolve", "secret_scanning_alert.reopen", "git.push", "org.update_member"}},
		{"include=git", []string{"git.push"}},
		{"phrase=created:>=2026-01-05&order=asc", []string{"secret_scanning_alert.reopen", "org.update_member"}},
		{"phrase=created:>=2026-01-04T02:00:00Z+action:secret_scanning_alert&order=asc", []string{"secret_scanning_alert.resolve", "secret_scanning_alert.reopen"}},
		{"phrase=created:2026-01-04", []string{"secret_scanning_alert.resolve", "repository_vulnerability_alert.dismiss"}},
		{"phrase=action:secret_scanning_alert.resolve", []string{"secret_scanning_alert.resolve"}},
		{"phrase=actor:alice+-action:org.update_member", []string{"repository_vulnerability_alert.dismiss"}},
		{"phrase=created:<2026-01-04T02:00:00Z", []string{"repository_vulnerability_alert.dismiss"}},
	}
	for _, scopePath := range []string{"/orgs/acme/audit-log", "/enterprises/acme-corp/audit-log"} {
		for _, tt := range tests {
			q, _ := url.ParseQuery(tt.query) // "+" in phrase decodes to a space, as GitHub reads it
			page := auditPage(t, get(t, srv, scopePath+"?"+q.Encode()))
			var actions []string
			for _, e := range page {
				actions = append(actions, e.Action)
				if e.Business != "acme-corp" {
					t.Errorf("entry without business: %+v", e)
				}
			}
			if len(actions) != len(tt.want) {
				t.Errorf("%s?%s = %v, want %v", scopePath, tt.query, actions, tt.want)
				continue
			}
			for i := range actions {
				if actions[i] != tt.want[i] {
					t.Errorf("%s?%s = %v, want %v", scopePath, tt.query, actions, tt.want)
					break
				}
			}
		}
	}
	if g := get(t, srv, "/orgs/acme/audit-log?phrase=created:>=yesterday"); g.status != http.StatusUnprocessableEntity {
		t.Errorf("bad created: %d", g.status)
	}
}

func TestAudit_CursorWalkWithGoGitHub(t *testing.T) {
	s := New(Options{Product: ProductGHEC})
	for i := 0; i < 95; i++ {
		s.AddAuditEvent("acme", AuditEvent{Action: "repository_vulnerability_alert.create", Actor: "dependabot[bot]",
			Repo: "acme/app", At: s.Now().Add(-time.Duration(i%7) * time.Second), Fields: map[string]any{"alert_number": i + 1}})
	}
	srv := start(t, s)
	c := client(t, s, srv)
	opts := &github.GetAuditLogOptions{Phrase: github.String("created:>=2026-01-01"), Order: github.String("asc"),
		ListCursorOptions: github.ListCursorOptions{PerPage: 20}}
	seen := map[int]bool{}
	var last int64
	for {
		entries, resp, err := c.Organizations.GetAuditLog(context.Background(), "acme", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			n := int(e.AdditionalFields["alert_number"].(float64))
			if seen[n] {
				t.Fatalf("alert_number %d twice", n)
			}
			seen[n] = true
			if ms := e.GetTimestamp().UnixMilli(); ms < last {
				t.Fatalf("order asc broken")
			} else {
				last = ms
			}
			if e.GetDocumentID() == "" || e.GetOrg() != "acme" {
				t.Fatalf("entry %+v", e)
			}
		}
		if resp.After == "" {
			break
		}
		opts.After = resp.After
	}
	if len(seen) != 95 {
		t.Errorf("walked %d events, want 95", len(seen))
	}
}

func TestAudit_GHESPages(t *testing.T) {
	s := New(Options{Product: ProductGHES})
	s.AddEnterprise("acme-corp", "acme")
	for i := 0; i < 45; i++ {
		s.AddAuditEvent("acme", AuditEvent{Action: "org.update_member", Actor: "alice"})
	}
	srv := start(t, s)
	g := get(t, srv, "/api/v3/enterprises/acme-corp/audit-log?per_page=20")
	l := links(g.header)
	if len(auditPage(t, g)) != 20 || l["next"] == "" || l["last"] == "" {
		t.Fatalf("GHES audit page 1: links %v", l)
	}
	if u, _ := url.Parse(l["last"]); u.Query().Get("page") != "3" {
		t.Errorf("last = %s, want page=3", l["last"])
	}
	if g := get(t, srv, "/enterprises/acme-corp/audit-log"); g.status != http.StatusNotFound {
		t.Errorf("GHES without /api/v3: %d", g.status)
	}
}
