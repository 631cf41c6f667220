package ghsim

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"
)

// AuditEvent is an audit-log entry to add. Fields are merged into the entry
// (use GitHub's names: secret scanning events carry "number", Dependabot ones
// "alert_number"); they cannot override the standard keys.
type AuditEvent struct {
	Action string
	Actor  string
	Repo   string // "org/name", optional
	At     time.Time
	Fields map[string]any
}

type auditEvent struct {
	AuditEvent
	docID     string
	seq       int64
	visibleAt time.Time
	org       *org
	ent       *enterprise
}

// auditLog keeps events sorted ascending by (@timestamp, seq).
type auditLog []*auditEvent

func (l *auditLog) insert(e *auditEvent) {
	k := e.key()
	i := sort.Search(len(*l), func(i int) bool { return k.less((*l)[i].key()) })
	*l = append(*l, nil)
	copy((*l)[i+1:], (*l)[i:])
	(*l)[i] = e
}

func (e *auditEvent) key() key { return key{t: e.At.UnixNano(), id: e.seq} }

// AddAuditEvent records an event in org's audit log (and so in its
// enterprise's) and returns its _document_id. The event keeps At (zero = Now)
// as its @timestamp but only becomes visible after a pseudo-random indexing
// delay in [0, Options.AuditLag], counted from At or from now if At is past.
func (s *Sim) AddAuditEvent(org string, e AuditEvent) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addAuditLocked(s.orgLocked(org), nil, e)
}

// AddEnterpriseAuditEvent records a business-level event (e.g.
// business_secret_scanning.enable) that only the enterprise log shows.
func (s *Sim) AddEnterpriseAuditEvent(slug string, e AuditEvent) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addAuditLocked(nil, s.enterpriseLocked(slug), e)
}

// addAuditLocked stores an event for o (or directly for ent). Caller holds s.mu.
func (s *Sim) addAuditLocked(o *org, ent *enterprise, e AuditEvent) string {
	now := s.Now()
	if e.At.IsZero() {
		e.At = now
	}
	e.At = e.At.UTC().Truncate(time.Millisecond)
	var id [16]byte
	binary.LittleEndian.PutUint64(id[:8], s.random())
	binary.LittleEndian.PutUint64(id[8:], s.random())
	s.auditSeq++
	ev := &auditEvent{AuditEvent: e, docID: base64.RawURLEncoding.EncodeToString(id[:]), seq: s.auditSeq, org: o, ent: ent}
	ev.visibleAt = e.At
	if now.After(ev.visibleAt) {
		ev.visibleAt = now
	}
	if s.opts.AuditLag > 0 {
		ev.visibleAt = ev.visibleAt.Add(time.Duration(s.random() % uint64(s.opts.AuditLag+1)))
	}
	if o != nil {
		o.audit.insert(ev)
	} else {
		ent.audit.insert(ev)
	}
	return ev.docID
}

// render builds the entry GitHub returns: epoch-millisecond @timestamp and
// created_at, _document_id, action, actor, org, repo, business.
func (e *auditEvent) render(s *Sim) map[string]any {
	m := make(map[string]any, len(e.Fields)+12)
	for k, v := range e.Fields {
		m[k] = v
	}
	ms := e.At.UnixMilli()
	m["@timestamp"], m["created_at"] = ms, ms
	m["_document_id"], m["action"] = e.docID, e.Action
	if e.Actor != "" {
		m["actor"], m["actor_id"] = e.Actor, stableID(e.Actor)
	}
	ent := e.ent
	if e.org != nil {
		m["org"], m["org_id"] = e.org.login, e.org.id
		ent = e.org.ent
	}
	if e.Repo != "" {
		m["repo"] = e.Repo
		if r := s.repos[e.Repo]; r != nil {
			m["repo_id"] = r.id
		}
	}
	if ent != nil {
		m["business"], m["business_id"] = ent.slug, ent.id
	}
	return m
}

// auditPaging: GHEC documents cursors for both logs (page numbers on the
// enterprise log too); GHES pages by number.
func (s *Sim) auditPaging(sc scope) paging {
	if s.opts.Product == ProductGHES {
		return paging{cursor: true, page: true, pageDefault: true}
	}
	return paging{cursor: true, page: sc == scopeEnterprise}
}

// serveAudit answers GET /orgs/{org}/audit-log and
// /enterprises/{e}/audit-log. Caller holds s.mu.
func (s *Sim) serveAudit(r *http.Request, now time.Time, sc scope, name string) *response {
	var logs []auditLog
	switch sc {
	case scopeOrg:
		o := s.orgs[name]
		if o == nil {
			return errResponse(notFound())
		}
		logs = append(logs, o.audit)
	default:
		e := s.enterprises[name]
		if e == nil || s.opts.Product == ProductDotcom {
			return errResponse(notFound())
		}
		logs = append(logs, e.audit)
		for _, o := range e.orgs {
			logs = append(logs, o.audit)
		}
	}
	q := r.URL.Query()
	desc := true
	switch q.Get("order") {
	case "", "desc":
	case "asc":
		desc = false
	default:
		return errResponse(validationFailed("order", "order must be one of desc, asc"))
	}
	include := q.Get("include")
	switch include {
	case "":
		include = "web"
	case "web", "git", "all":
	default:
		return errResponse(validationFailed("include", "include must be one of web, git, all"))
	}
	ph, err := parsePhrase(q.Get("phrase"))
	if err != nil {
		return errResponse(validationFailed("phrase", err.Error()))
	}
	pr, apiErr := parsePaging(q, s.auditPaging(sc), "audit", desc)
	if apiErr != nil {
		return errResponse(apiErr)
	}
	var items []*auditEvent
	for _, l := range logs {
		for _, e := range l {
			git := strings.HasPrefix(e.Action, "git.")
			if e.visibleAt.After(now) || (include == "web" && git) || (include == "git" && !git) || !ph.match(e) {
				continue
			}
			items = append(items, e)
		}
	}
	if len(logs) > 1 {
		sort.Slice(items, func(i, j int) bool { return items[i].key().less(items[j].key()) })
	}
	n := len(items)
	keyAt := func(i int) key { return items[i].key() }
	start, end := pr.window(n, keyAt)
	page := make([]map[string]any, 0, end-start)
	for i := start; i < end; i++ {
		page = append(page, items[pr.phys(n, i)].render(s))
	}
	body, _ := json.Marshal(page)
	resp := okResponse(body)
	if link := pr.linkHeader(r, n, start, end, keyAt, pr.cursorMode); link != "" {
		resp.header.Set("Link", link)
	}
	return resp
}
