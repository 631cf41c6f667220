package ghapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
)

// examples are GitHub's published response examples (testdata/github), by
// the alert source (or "audit") they answer for, each as the whole page
// and as its single items.
func examples(t testing.TB) map[string][][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/github/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in testdata/github: %v", err)
	}
	out := map[string][][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(f)
		var kind string
		switch {
		case strings.Contains(base, "dependabot__"):
			kind = string(exporter.SourceDependabot)
		case strings.Contains(base, "code-scanning__"):
			kind = string(exporter.SourceCodeScanning)
		case strings.Contains(base, "secret-scanning__"):
			kind = string(exporter.SourceSecretScanning)
		case strings.Contains(base, "audit-log"):
			kind = "audit"
		default:
			continue
		}
		out[kind] = append(out[kind], b)
		var items []json.RawMessage
		if json.Unmarshal(b, &items) == nil {
			for _, it := range items {
				out[kind] = append(out[kind], it)
			}
		}
	}
	return out
}

var slogDiscard = slog.New(slog.DiscardHandler)

var fuzzSources = []exporter.Source{exporter.SourceDependabot, exporter.SourceCodeScanning, exporter.SourceSecretScanning}
var fuzzScopes = []Scope{{ScopeRepo, "acme/widgets"}, {ScopeOrg, "acme"}, {ScopeEnterprise, "acme-corp"}}

func sourceIndex(s exporter.Source) uint8 {
	for i, x := range fuzzSources {
		if x == s {
			return uint8(i)
		}
	}
	return 0
}

// checkObservation asserts what every decoded alert must satisfy: the
// records any diff makes of it validate against the record schema, encode
// as valid UTF-8 JSON, name an action, and never carry a secret.
func checkObservation(t *testing.T, o exporter.Observation, raw []byte) {
	t.Helper()
	checkObservationAfter(t, o, raw, nil, &exporter.Snapshot{State: "open", Severity: "low"},
		&exporter.Snapshot{State: "dismissed", ClosedAt: fuzzNow}, &exporter.Snapshot{State: "fixed"}, &exporter.Snapshot{State: "in_review"})
}

var fuzzNow = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

// checkObservationAfter is checkObservation against the given previous
// snapshots only (nil: never seen).
func checkObservationAfter(t *testing.T, o exporter.Observation, raw []byte, prevs ...*exporter.Snapshot) {
	t.Helper()
	if !exporter.WellFormedState(o.State) || !validRepo(o.Key.Repo) || o.Key.Number <= 0 {
		t.Fatalf("decoded an alert that is not one: %+v", o)
	}
	if o.Raw != nil && (!utf8.Valid(o.Raw) || !json.Valid(o.Raw)) {
		t.Fatalf("raw is not valid UTF-8 JSON: %q", o.Raw)
	}
	for _, prev := range prevs {
		for _, r := range exporter.Diff(prev, &o, exporter.OriginPoll, fuzzNow) {
			checkRecord(t, &r)
		}
	}
	if o.Key.Source == exporter.SourceSecretScanning {
		var secret struct {
			Secret string `json:"secret"`
		}
		if json.Unmarshal(raw, &secret) == nil && len(secret.Secret) >= 8 && bytes.Contains(o.Raw, []byte(secret.Secret)) {
			t.Fatalf("the secret %q survived in raw", secret.Secret)
		}
	}
}

func checkRecord(t *testing.T, r *exporter.Record) {
	t.Helper()
	if r.Action == "" {
		t.Fatalf("record without action: %+v", r)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("record does not encode: %v", err)
	}
	if !utf8.Valid(b) {
		t.Fatalf("record is not valid UTF-8: %q", b)
	}
	if err := recordschema.ValidateJSON(b); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
}

// FuzzDecodeAlert: any single alert object, of any kind, at any scope,
// either is refused or gives records that satisfy the schema.
func FuzzDecodeAlert(f *testing.F) {
	for kind, bodies := range examples(f) {
		for _, b := range bodies {
			if kind != "audit" && len(b) > 0 && b[0] == '{' {
				for sc := range fuzzScopes {
					f.Add(sourceIndex(exporter.Source(kind)), uint8(sc), true, b)
				}
			}
		}
	}
	f.Add(uint8(0), uint8(1), true, []byte(`{"number":1,"state":null,"repository":{"full_name":"a/b"}}`))
	f.Add(uint8(0), uint8(1), true, []byte(`{"number":2,"state":"open","security_advisory":{"cvss":{"score":1e999}},"repository":{"full_name":"a/b"}}`))
	f.Add(uint8(2), uint8(0), true, []byte("{\"number\":3,\"state\":\"open\",\"secret\":\"ghp_x\xff\",\"title\":\"\xfe\"}"))
	f.Fuzz(func(t *testing.T, src, sc uint8, includeRaw bool, raw []byte) {
		s := fuzzSources[int(src)%len(fuzzSources)]
		o, err := decodeAlert(s, raw, fuzzScopes[int(sc)%len(fuzzScopes)], includeRaw)
		if err != nil {
			// the refusal must name the item well enough to log it
			ie := itemError(s, raw, fuzzScopes[int(sc)%len(fuzzScopes)], 1, 0, err)
			if ie.Key == "" || !utf8.ValidString(ie.Key) || !utf8.ValidString(ie.Err) || len(ie.Err) > 310 {
				t.Fatalf("refused item has no usable key: %+v", ie)
			}
			return
		}
		checkObservation(t, o, raw)
	})
}

// fakeGitHub answers every request with one page and one Link header, and
// records where requests went and whether they carried the credential.
type fakeGitHub struct {
	body, link string
	requests   int
	foreign    int
}

func (g *fakeGitHub) RoundTrip(r *http.Request) (*http.Response, error) {
	g.requests++
	// host names are case-insensitive: api.example.Test is the API origin
	if !strings.EqualFold(r.URL.Hostname(), "api.example.test") || (r.URL.Port() != "" && r.URL.Port() != "443") {
		g.foreign++
	}
	h := http.Header{"Content-Type": {"application/json"}}
	h.Set("Link", g.link)
	return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(g.body)), Request: r}, nil
}

// FuzzListAlerts: a hostile page and Link header never make a listing
// loop, leave the API origin, or emit a record that fails the schema.
func FuzzListAlerts(f *testing.F) {
	links := []string{"", `<https://api.example.test/orgs/acme/dependabot/alerts?after=Y3Vy>; rel="next"`,
		`<https://evil.example/x?after=1>; rel="next"`, `</orgs/acme/dependabot/alerts?page=2>; rel="next", </x?page=9>; rel="last"`,
		`<https://api.example.test/orgs/acme/dependabot/alerts?per_page=100>; rel="next"`}
	for kind, bodies := range examples(f) {
		for _, b := range bodies {
			if kind != "audit" && len(b) > 0 && b[0] == '[' {
				for i, l := range links {
					f.Add(sourceIndex(exporter.Source(kind)), uint8(i%len(fuzzScopes)), string(b), l)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, src, sc uint8, body, link string) {
		g := &fakeGitHub{body: body, link: link}
		c, err := New(Options{BaseURL: "https://api.example.test/", Token: "tok", Transport: g, Product: "ghec", IncludeRaw: true})
		if err != nil {
			t.Fatal(err)
		}
		s := fuzzSources[int(src)%len(fuzzSources)]
		pages := 0
		res, _ := c.ListAlerts(context.Background(), ListRequest{Scope: fuzzScopes[int(sc)%len(fuzzScopes)], Source: s},
			func(page []exporter.Observation) error {
				pages++
				// every state pair is FuzzDecodeAlert's job; here the
				// first sight of each item keeps the target fast
				for _, o := range page {
					checkObservationAfter(t, o, nil, nil)
				}
				return nil
			})
		// the same Link on every page: the second page at most, never a third
		if g.requests > 2 || g.foreign > 0 || pages > g.requests {
			t.Fatalf("%d requests (%d off origin), %d pages for Link %q", g.requests, g.foreign, pages, link)
		}
		if len(res.Undecodable) > 0 && c.Undecodable() != int64(len(res.Undecodable)) {
			t.Fatalf("refused %d items, counted %d", len(res.Undecodable), c.Undecodable())
		}
	})
}

// FuzzDecodeAudit: an audit entry is refused, or it can be deduplicated,
// ordered and shipped as valid UTF-8 JSON.
func FuzzDecodeAudit(f *testing.F) {
	for _, b := range examples(f)["audit"] {
		if len(b) > 0 && b[0] == '{' {
			f.Add(b)
		}
	}
	f.Add([]byte("{\"@timestamp\":1.5e3,\"_document_id\":\"d\",\"action\":\"x\",\"org\":[\"a\"],\"repo\":\"r\xff\"}"))
	f.Add([]byte(`{"@timestamp":1e999,"_document_id":"d","action":"x"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := decodeAudit(raw)
		if err != nil {
			return
		}
		if e.DocumentID == "" || e.Action == "" || e.At.Year() > 9999 || e.At.Year() < 1970 {
			t.Fatalf("accepted an entry that cannot be shipped: %+v", e)
		}
		if !utf8.Valid(e.Raw) || !json.Valid(e.Raw) {
			t.Fatalf("entry is not valid UTF-8 JSON: %q", e.Raw)
		}
		if e.Repo != "" && !validRepo(e.Repo) {
			t.Fatalf("repo %q is not owner/name", e.Repo)
		}
	})
}

// FuzzPager: a Link header is followed only on the API origin and never
// twice to the same page.
func FuzzPager(f *testing.F) {
	f.Add(`<https://api.github.com/orgs/a/dependabot/alerts?after=Y3Vy&per_page=100>; rel="next", <https://x/?before=Zm9v>; rel="prev"`)
	f.Add(`<https://x/?page=1>; rel="prev", <https://x/?page=3>; rel="next", <https://x/?page=9>; rel="last"`)
	f.Add(`<https://api.github.com:443/orgs/a/audit-log?page=2>; rel=next`)
	f.Add(`<//evil.example/x>; rel="next"`)
	f.Add(`<https://user:pw@api.github.com/x?after=%zz>; rel="next"`)
	base, _ := url.Parse("https://api.github.com/")
	f.Fuzz(func(t *testing.T, link string) {
		p, err := newPager(base, "orgs/a/dependabot/alerts?per_page=100")
		if err != nil {
			t.Fatal(err)
		}
		next, err := p.next(link, 1)
		if err != nil {
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("error is not valid UTF-8: %q", err)
			}
			return
		}
		if next == "" {
			return
		}
		u, err := url.Parse(next)
		if err != nil || !sameOrigin(base, u) {
			t.Fatalf("followed %q off origin (from %q)", next, link)
		}
		if again, err := p.next(link, 2); err == nil || again != "" {
			t.Fatalf("followed %q twice", next)
		}
	})
}

// FuzzRateLimitHeaders: whatever rate-limit headers and status GitHub
// sends, the limiter never waits a negative or unbounded time.
func FuzzRateLimitHeaders(f *testing.F) {
	f.Add(403, "", "0", "5000", "1767603700", "core", "")
	f.Add(429, "30", "", "", "", "", "")
	f.Add(403, "", "0", "5000", "99999999999999", "core", "")
	f.Add(403, "Fri, 31 Dec 9999 23:59:59 GMT", "", "", "", "", "")
	f.Add(403, "", "", "", "", "", "You have exceeded a secondary rate limit")
	f.Add(200, "", "-5", "x", "-1", "audit_log", "")
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, status int, retryAfter, remaining, limit, reset, resource, body string) {
		l := newLimiter(nil, Options{Concurrency: 1, Now: func() time.Time { return now }}, slogDiscard)
		h := http.Header{}
		for k, v := range map[string]string{"Retry-After": retryAfter, "X-Ratelimit-Remaining": remaining,
			"X-Ratelimit-Limit": limit, "X-Ratelimit-Reset": reset, "X-Ratelimit-Resource": resource} {
			if v != "" {
				h.Set(k, v)
			}
		}
		req, _ := http.NewRequest(http.MethodGet, "https://api.github.com/orgs/a/audit-log", nil)
		resp := &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: req}
		d, _ := l.observe(resp)
		if d < -1 || d > exporter.MaxRetryAfter+time.Hour {
			t.Fatalf("wait %v for status %d, headers %v", d, status, h)
		}
	})
}
