package ghsim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// bases are the URL roots of one response: the API root the client used
// (scheme, host and /api/v3 on GHES), so url fields and Link headers lead back
// to the simulator, and the web root for html_url fields.
type bases struct {
	api  string
	web  string
	ghes string // GHES version, "" off GHES
	full bool   // github.com / GHEC field set (not GHES)
	// v2026 is REST API version 2026-03-10 (no Dependabot cvss); webhook
	// payloads are not versioned and keep the 2022-11-28 shape.
	v2026 bool
}

func (s *Sim) basesFor(r *http.Request) bases {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	b := s.basesAt(scheme + "://" + r.Host)
	b.v2026 = r.Header.Get("X-GitHub-Api-Version") == APIVersion20260310
	return b
}

// basesAt is what the links of a server at host (a scheme and host, or a
// hook's API base) point to: its API, and github.com's web pages or, on
// GHES, its own.
func (s *Sim) basesAt(host string) bases {
	b := bases{api: host + s.prefix, web: "https://github.com", full: true}
	if s.opts.Product == ProductGHES {
		b.web, b.ghes, b.full = host, s.opts.GHESVersion, false
	}
	return b
}

var nullJSON = json.RawMessage("null")

// alertURLs are an alert's url (under its repository's /{kind}/alerts/ in
// the API) and html_url (under the repository's /security/{kind}/ page).
func alertURLs(a *alert, b bases) (api, html string) {
	seg, n := a.kind.segment(), strconv.Itoa(a.number)
	return b.api + "/repos/" + a.repo.full + "/" + seg + "/alerts/" + n, b.web + "/" + a.repo.full + "/security/" + seg + "/" + n
}

// ts renders a timestamp like GitHub: RFC 3339, UTC, whole seconds.
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// tsp is ts for nullable fields: nil (JSON null) for the zero time.
func tsp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	v := ts(t)
	return &v
}

// strp is a nullable string: nil (JSON null) for "".
func strp(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

func nodeID(typ string, id int64) string {
	return base64.StdEncoding.EncodeToString([]byte(typ + strconv.FormatInt(id, 10)))
}

type userJSON struct {
	Login             string `json:"login"`
	ID                int64  `json:"id"`
	NodeID            string `json:"node_id"`
	AvatarURL         string `json:"avatar_url"`
	GravatarID        string `json:"gravatar_id"`
	URL               string `json:"url"`
	HTMLURL           string `json:"html_url"`
	FollowersURL      string `json:"followers_url"`
	FollowingURL      string `json:"following_url"`
	GistsURL          string `json:"gists_url"`
	StarredURL        string `json:"starred_url"`
	SubscriptionsURL  string `json:"subscriptions_url"`
	OrganizationsURL  string `json:"organizations_url"`
	ReposURL          string `json:"repos_url"`
	EventsURL         string `json:"events_url"`
	ReceivedEventsURL string `json:"received_events_url"`
	Type              string `json:"type"`
	SiteAdmin         bool   `json:"site_admin"`
}

func makeUser(b bases, login string, id int64, typ string) userJSON {
	u := b.api + "/users/" + login
	prefix := "04:User"
	switch typ {
	case "Organization":
		prefix = "012:Organization"
	case "Bot":
		prefix = "03:Bot"
	}
	return userJSON{
		Login: login, ID: id, NodeID: nodeID(prefix, id),
		AvatarURL:         "https://avatars.githubusercontent.com/u/" + strconv.FormatInt(id, 10) + "?v=4",
		URL:               u,
		HTMLURL:           b.web + "/" + login,
		FollowersURL:      u + "/followers",
		FollowingURL:      u + "/following{/other_user}",
		GistsURL:          u + "/gists{/gist_id}",
		StarredURL:        u + "/starred{/owner}{/repo}",
		SubscriptionsURL:  u + "/subscriptions",
		OrganizationsURL:  u + "/orgs",
		ReposURL:          u + "/repos",
		EventsURL:         u + "/events{/privacy}",
		ReceivedEventsURL: u + "/received_events",
		Type:              typ,
	}
}

// userRaw renders a user (null for ""), cached per API base. Caller holds s.mu.
func (s *Sim) userRaw(b bases, login string) json.RawMessage {
	if login == "" {
		return nullJSON
	}
	key := b.api + "\x00" + login
	if raw, ok := s.users[key]; ok {
		return raw
	}
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	}
	raw, _ := json.Marshal(makeUser(b, login, stableID(login), typ))
	s.users[key] = raw
	return raw
}

// repoURLNames are the templated URL fields of GitHub's minimal repository,
// in GitHub's order, with their path suffix.
var repoURLNames = [][2]string{
	{"archive_url", "/{archive_format}{/ref}"}, {"assignees_url", "/assignees{/user}"},
	{"blobs_url", "/git/blobs{/sha}"}, {"branches_url", "/branches{/branch}"},
	{"collaborators_url", "/collaborators{/collaborator}"}, {"comments_url", "/comments{/number}"},
	{"commits_url", "/commits{/sha}"}, {"compare_url", "/compare/{base}...{head}"},
	{"contents_url", "/contents/{+path}"}, {"contributors_url", "/contributors"},
	{"deployments_url", "/deployments"}, {"downloads_url", "/downloads"},
	{"events_url", "/events"}, {"forks_url", "/forks"},
	{"git_commits_url", "/git/commits{/sha}"}, {"git_refs_url", "/git/refs{/sha}"},
	{"git_tags_url", "/git/tags{/sha}"}, {"hooks_url", "/hooks"},
	{"issue_comment_url", "/issues/comments{/number}"}, {"issue_events_url", "/issues/events{/number}"},
	{"issues_url", "/issues{/number}"}, {"keys_url", "/keys{/key_id}"},
	{"labels_url", "/labels{/name}"}, {"languages_url", "/languages"},
	{"merges_url", "/merges"}, {"milestones_url", "/milestones{/number}"},
	{"notifications_url", "/notifications{?since,all,participating}"}, {"pulls_url", "/pulls{/number}"},
	{"releases_url", "/releases{/id}"}, {"stargazers_url", "/stargazers"},
	{"statuses_url", "/statuses/{sha}"}, {"subscribers_url", "/subscribers"},
	{"subscription_url", "/subscription"}, {"tags_url", "/tags"},
	{"teams_url", "/teams"}, {"trees_url", "/git/trees{/sha}"},
}

// repoRaw renders the minimal repository object that org and enterprise
// lists attach to each alert, cached per API base. Caller holds s.mu.
func (s *Sim) repoRaw(b bases, r *repo) json.RawMessage {
	if raw, ok := r.json[b.api]; ok {
		return raw
	}
	apiURL := b.api + "/repos/" + r.full
	ownerJSON, _ := json.Marshal(makeUser(b, r.org.login, r.org.id, "Organization"))
	var sb strings.Builder
	field := func(k string, v any) {
		if sb.Len() > 1 {
			sb.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(v)
		sb.Write(kb)
		sb.WriteByte(':')
		sb.Write(vb)
	}
	sb.WriteByte('{')
	field("id", r.id)
	field("node_id", nodeID("010:Repository", r.id))
	field("name", r.name)
	field("full_name", r.full)
	field("owner", json.RawMessage(ownerJSON))
	field("private", true)
	field("html_url", b.web+"/"+r.full)
	field("description", nil)
	field("fork", false)
	field("url", apiURL)
	for _, u := range repoURLNames {
		field(u[0], apiURL+u[1])
	}
	sb.WriteByte('}')
	raw := json.RawMessage(sb.String())
	if r.json == nil {
		r.json = map[string][]byte{}
	}
	r.json[b.api] = raw
	return raw
}
