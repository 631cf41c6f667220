package ghsim

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Kind is one of GitHub's three security alert products.
type Kind string

// Alert kinds, named like exporter.Source.
const (
	Dependabot     Kind = "dependabot"
	CodeScanning   Kind = "code_scanning"
	SecretScanning Kind = "secret_scanning"
)

// Kinds lists the alert kinds in a stable order.
var Kinds = []Kind{Dependabot, CodeScanning, SecretScanning}

// segment is the kind's part of GitHub's alert paths and web pages:
// "dependabot", "code-scanning", "secret-scanning".
func (k Kind) segment() string { return strings.ReplaceAll(string(k), "_", "-") }

// Products accepted in Options.Product.
const (
	ProductDotcom = "dotcom"
	ProductGHEC   = "ghec"
	ProductGHES   = "ghes"
)

// Errors returned by the mutation methods; check with errors.Is.
var (
	// ErrNotFound: the repository or alert does not exist (or was deleted).
	ErrNotFound = errors.New("not found")
	// ErrUnsupported: the operation does not exist for that alert kind
	// (e.g. dismissing a secret scanning alert, which is resolved instead).
	ErrUnsupported = errors.New("operation not supported for this alert kind")
)

// Options configures a Sim. The zero value is a github.com simulator with a
// manual clock, no authentication and a 5000/hour primary rate limit.
type Options struct {
	// Product is "dotcom" (default), "ghec" or "ghes". GHES serves under
	// /api/v3/ and paginates by page number where GHES lacks cursors.
	Product string
	// GHESVersion is "3.19" (default), "3.21" or "3.15"; it only matters
	// for GHES (3.15 has no cursors on the repository code scanning list and
	// fewer secret scanning fields; 3.21 is 3.19 that also serves REST API
	// version 2026-03-10).
	GHESVersion string
	// Now is the clock for every timestamp; nil means a manual clock starting
	// at 2026-01-05T09:00:00Z, moved by Advance and SetNow.
	Now func() time.Time
	// Token, if non-empty, must be sent as "Authorization: Bearer <Token>" or
	// "token <Token>"; anything else gets GitHub's 401.
	Token string
	// RateLimit is the primary limit per hour per token (default 5000).
	RateLimit int
	// AuditLag is the upper bound of the pseudo-random indexing delay of
	// audit events.
	AuditLag time.Duration
	// Seed seeds the pseudo-random audit lag and generated ids.
	Seed int64
	// AuditAlerts makes alert changes write the audit events GitHub writes
	// for them (code scanning's since December 2024, naming its alerts in
	// alert_numbers). Off by default so tests control the audit log exactly.
	AuditAlerts bool
}

// DefaultStart is where the manual clock starts.
var DefaultStart = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// Sim is the simulated GitHub. Create it with New; it is an http.Handler.
type Sim struct {
	opts   Options
	prefix string // "/api/v3" for GHES
	mux    *http.ServeMux

	clockMu sync.Mutex
	manual  time.Time

	mu           sync.Mutex
	orgs         map[string]*org
	enterprises  map[string]*enterprise
	repos        map[string]*repo
	nextID       int64
	version      [3]uint64 // bumped on every change of that kind's alerts
	cache        map[indexKey]*sortedIndex
	auditSeq     int64
	reqSeq       uint64
	rng          uint64
	buckets      map[string]*bucket
	requests     []Request
	faults       []*Fault
	users        map[string][]byte // rendered user objects by base+login
	hooks        []*hook
	sender       string // who the mutation in progress is by (webhook sender)
	deliveries   []*HookDelivery
	redeliveries int
	denials      []Denial
	noAudit      map[string]bool // orgs whose audit log answers 404
	reqs         []*simRequest   // dismissal and bypass requests (requests.go)
	noRequests   map[string]bool // orgs whose request lists answer 404
}

// New returns a simulator. It panics on an unknown Product, a programming
// error in the test that builds it.
func New(opts Options) *Sim {
	switch opts.Product {
	case "":
		opts.Product = ProductDotcom
	case ProductDotcom, ProductGHEC, ProductGHES:
	default:
		panic(fmt.Sprintf("ghsim: unknown Product %q (want dotcom, ghec or ghes)", opts.Product))
	}
	switch opts.GHESVersion {
	case "":
		opts.GHESVersion = "3.19"
	case "3.21", "3.19", "3.15":
	default:
		panic(fmt.Sprintf("ghsim: unknown GHESVersion %q (want 3.21, 3.19 or 3.15)", opts.GHESVersion))
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = 5000
	}
	s := &Sim{
		opts:        opts,
		manual:      DefaultStart,
		orgs:        map[string]*org{},
		enterprises: map[string]*enterprise{},
		repos:       map[string]*repo{},
		cache:       map[indexKey]*sortedIndex{},
		buckets:     map[string]*bucket{},
		users:       map[string][]byte{},
		rng:         uint64(opts.Seed)*0x9E3779B97F4A7C15 + 1,
	}
	if opts.Product == ProductGHES {
		s.prefix = "/api/v3"
	}
	s.mux = s.routes()
	return s
}

// Now returns the simulator's current time.
func (s *Sim) Now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now().UTC()
	}
	s.clockMu.Lock()
	defer s.clockMu.Unlock()
	return s.manual
}

// Advance moves the manual clock forward. It panics when Options.Now is set.
func (s *Sim) Advance(d time.Duration) {
	s.mustManual("Advance")
	s.clockMu.Lock()
	s.manual = s.manual.Add(d)
	s.clockMu.Unlock()
}

// SetNow sets the manual clock. It panics when Options.Now is set.
func (s *Sim) SetNow(t time.Time) {
	s.mustManual("SetNow")
	s.clockMu.Lock()
	s.manual = t.UTC()
	s.clockMu.Unlock()
}

func (s *Sim) mustManual(op string) {
	if s.opts.Now != nil {
		panic("ghsim: " + op + " needs the manual clock (Options.Now == nil)")
	}
}

// now is Now truncated to whole seconds, the resolution of GitHub's alert
// timestamps; it makes equal timestamps (and the id tie-break) common.
func (s *Sim) now() time.Time { return s.Now().Truncate(time.Second) }

// AddEnterprise creates (or extends) an enterprise and puts the named
// organizations in it, creating them when needed.
func (s *Sim) AddEnterprise(slug string, orgs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.enterpriseLocked(slug)
	for _, name := range orgs {
		o := s.orgLocked(name)
		if o.ent == e {
			continue
		}
		if o.ent != nil {
			o.ent.removeOrg(o)
		}
		o.ent = e
		e.orgs = append(e.orgs, o)
	}
	s.bumpAll()
}

// AddRepo creates the repository "org/name" (and its organization). Adding an
// existing repository is a no-op. It panics on a name without exactly one "/".
func (s *Sim) AddRepo(fullName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repoLocked(fullName)
}

func (s *Sim) repoLocked(fullName string) *repo {
	if r := s.repos[fullName]; r != nil {
		return r
	}
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		panic(fmt.Sprintf("ghsim: repository %q is not owner/name", fullName))
	}
	o := s.orgLocked(owner)
	r := &repo{org: o, name: name, full: fullName, id: s.newID()}
	for i := range r.byNum {
		r.byNum[i] = map[int]*alert{}
	}
	o.repos = append(o.repos, r)
	s.repos[fullName] = r
	s.bumpAll()
	return r
}

func (s *Sim) orgLocked(login string) *org {
	if o := s.orgs[login]; o != nil {
		return o
	}
	o := &org{login: login, id: s.newID()}
	s.orgs[login] = o
	return o
}

// enterpriseLocked returns the enterprise slug, creating it when needed.
// Caller holds s.mu.
func (s *Sim) enterpriseLocked(slug string) *enterprise {
	if e := s.enterprises[slug]; e != nil {
		return e
	}
	e := &enterprise{slug: slug, id: s.newID()}
	s.enterprises[slug] = e
	return e
}

// newID hands out unique, increasing ids (repository ids, alert tie-breaks).
func (s *Sim) newID() int64 {
	s.nextID++
	return 100000 + s.nextID
}

// random is a small deterministic generator (splitmix64) seeded by Options.Seed.
func (s *Sim) random() uint64 {
	s.rng += 0x9E3779B97F4A7C15
	z := s.rng
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func (s *Sim) bumpAll() {
	for i := range s.version {
		s.version[i]++
	}
}

// stableID derives a positive id from a name, for user and actor ids.
func stableID(name string) int64 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int64(h.Sum32()%90000000) + 1000
}
