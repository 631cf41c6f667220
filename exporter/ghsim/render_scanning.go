package ghsim

import "encoding/json"

// scanningHead is how GitHub's code scanning and secret scanning alerts
// both begin: the number, the times and the alert's URLs.
type scanningHead struct {
	Number    int    `json:"number"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	URL       string `json:"url"`
	HTMLURL   string `json:"html_url"`
}

// newScanningHead is a's scanningHead, its URLs under b.
func newScanningHead(a *alert, b bases) scanningHead {
	api, html := alertURLs(a, b)
	return scanningHead{Number: a.number, CreatedAt: ts(a.created), UpdatedAt: ts(a.updated), URL: api, HTMLURL: html}
}

// Code scanning alert JSON, after GitHub's code-scanning-alert(-items) schemas.
type csJSON struct {
	scanningHead
	State              string          `json:"state"`
	FixedAt            *string         `json:"fixed_at"`
	DismissedBy        json.RawMessage `json:"dismissed_by"`
	DismissedAt        *string         `json:"dismissed_at"`
	DismissedReason    *string         `json:"dismissed_reason"`
	DismissedComment   *string         `json:"dismissed_comment"`
	Rule               csRule          `json:"rule"`
	Tool               csTool          `json:"tool"`
	MostRecentInstance csInstance      `json:"most_recent_instance"`
	InstancesURL       string          `json:"instances_url"`
}

type csRule struct {
	ID                    string   `json:"id"`
	Severity              string   `json:"severity"`
	SecuritySeverityLevel *string  `json:"security_severity_level"`
	Description           string   `json:"description"`
	Name                  string   `json:"name"`
	Tags                  []string `json:"tags"`
	FullDescription       string   `json:"full_description"`
	Help                  string   `json:"help"`
	HelpURI               string   `json:"help_uri"`
}

type csTool struct {
	Name    string  `json:"name"`
	GUID    *string `json:"guid"`
	Version string  `json:"version"`
}

type csInstance struct {
	Ref         string `json:"ref"`
	AnalysisKey string `json:"analysis_key"`
	Category    string `json:"category"`
	Environment string `json:"environment"`
	State       string `json:"state"`
	CommitSHA   string `json:"commit_sha"`
	Message     struct {
		Text string `json:"text"`
	} `json:"message"`
	Location        csLocation `json:"location"`
	Classifications []string   `json:"classifications"`
}

type csLocation struct {
	Path        string `json:"path"`
	StartLine   int    `json:"start_line"`
	EndLine     int    `json:"end_line"`
	StartColumn int    `json:"start_column"`
	EndColumn   int    `json:"end_column"`
}

// renderCodeScanning builds one alert's JSON. Caller holds s.mu.
func (s *Sim) renderCodeScanning(a *alert, b bases) csJSON {
	sp := a.spec
	head := newScanningHead(a, b)
	path := "src/main.go"
	for _, t := range ruleCatalog {
		if t.id == sp.RuleID {
			path = t.path
		}
	}
	line := int(a.id%400) + 1
	inst := csInstance{
		Ref:         sp.Ref,
		AnalysisKey: ".github/workflows/codeql.yml:analyze",
		Category:    ".github/workflows/codeql.yml:analyze",
		Environment: "{}",
		State:       a.state,
		CommitSHA:   hexID(a.id, 1),
		Location:    csLocation{Path: path, StartLine: line, EndLine: line, StartColumn: 5, EndColumn: 30},
	}
	inst.Message.Text = sp.Title + "."
	inst.Classifications = []string{}
	version := "2.20.1"
	if sp.Tool != "CodeQL" {
		version = "1.0.0"
	}
	tags := []string{"security"}
	if sp.Severity == "" {
		tags = []string{"maintainability"}
	}
	out := csJSON{
		scanningHead:     head,
		State:            a.state,
		FixedAt:          tsp(a.fixedAt),
		DismissedBy:      s.userRaw(b, a.dismissedBy),
		DismissedAt:      tsp(a.dismissedAt),
		DismissedReason:  strp(a.dismissedReason),
		DismissedComment: strp(a.dismissedComment),
		Rule: csRule{
			ID: sp.RuleID, Severity: sp.RuleSeverity, SecuritySeverityLevel: strp(sp.Severity),
			Description: sp.Title, Name: sp.RuleID, Tags: tags,
			FullDescription: sp.Title + ".", Help: "# " + sp.Title, HelpURI: "https://codeql.github.com/",
		},
		Tool:               csTool{Name: sp.Tool, Version: version},
		MostRecentInstance: inst,
		InstancesURL:       head.URL + "/instances",
	}
	return out
}

// Secret scanning alert JSON, after GitHub's secret-scanning-alert and
// organization-secret-scanning-alert schemas. Fields GHES lacks are omitted
// (raw/pointer fields with omitempty); the rest are present, null when unset.
type ssJSON struct {
	scanningHead
	LocationsURL             string          `json:"locations_url"`
	State                    string          `json:"state"`
	Resolution               *string         `json:"resolution"`
	ResolvedAt               *string         `json:"resolved_at"`
	ResolvedBy               json.RawMessage `json:"resolved_by"`
	ResolutionComment        *string         `json:"resolution_comment"`
	SecretType               string          `json:"secret_type"`
	SecretTypeDisplayName    string          `json:"secret_type_display_name"`
	Secret                   *string         `json:"secret,omitempty"`
	PushProtectionBypassed   bool            `json:"push_protection_bypassed"`
	PushProtectionBypassedBy json.RawMessage `json:"push_protection_bypassed_by"`
	PushProtectionBypassedAt *string         `json:"push_protection_bypassed_at"`
	BypassRequestReviewer    json.RawMessage `json:"push_protection_bypass_request_reviewer,omitempty"`
	BypassReviewerComment    json.RawMessage `json:"push_protection_bypass_request_reviewer_comment,omitempty"`
	BypassRequestComment     json.RawMessage `json:"push_protection_bypass_request_comment,omitempty"`
	BypassRequestHTMLURL     json.RawMessage `json:"push_protection_bypass_request_html_url,omitempty"`
	Validity                 string          `json:"validity"`
	PubliclyLeaked           *bool           `json:"publicly_leaked,omitempty"`
	MultiRepo                *bool           `json:"multi_repo,omitempty"`
	IsBase64Encoded          *bool           `json:"is_base64_encoded,omitempty"`
	FirstLocationDetected    *ssLocation     `json:"first_location_detected,omitempty"`
	HasMoreLocations         *bool           `json:"has_more_locations,omitempty"`
	AssignedTo               json.RawMessage `json:"assigned_to,omitempty"`
	Provider                 json.RawMessage `json:"provider,omitempty"`
	ProviderSlug             json.RawMessage `json:"provider_slug,omitempty"`
}

// secretProviders names the issuer of each catalog secret type (provider,
// provider_slug); generic patterns (password, private keys, …) have none
// and render null.
var secretProviders = map[string][2]string{
	"github_personal_access_token": {"GitHub", "github"},
	"aws_access_key_id":            {"Amazon AWS", "aws"},
	"slack_api_token":              {"Slack", "slack"},
	"stripe_api_key":               {"Stripe", "stripe"},
	"google_api_key":               {"Google", "google"},
	"azure_storage_account_key":    {"Azure", "azure"},
	"npm_access_token":             {"npm", "npm"},
	"mailchimp_api_key":            {"Mailchimp", "mailchimp"},
}

// jsonString renders v as a JSON string, null for "".
func jsonString(v string) json.RawMessage {
	if v == "" {
		return nullJSON
	}
	b, _ := json.Marshal(v)
	return b
}

type ssLocation struct {
	Path        string `json:"path"`
	StartLine   int    `json:"start_line"`
	EndLine     int    `json:"end_line"`
	StartColumn int    `json:"start_column"`
	EndColumn   int    `json:"end_column"`
	BlobSHA     string `json:"blob_sha"`
	BlobURL     string `json:"blob_url"`
	CommitSHA   string `json:"commit_sha"`
	CommitURL   string `json:"commit_url"`
}

// renderSecretScanning builds one alert's JSON; hideSecret drops "secret"
// like the hide_secret parameter. Caller holds s.mu.
func (s *Sim) renderSecretScanning(a *alert, b bases, hideSecret bool) ssJSON {
	sp := a.spec
	head := newScanningHead(a, b)
	f := false
	out := ssJSON{
		scanningHead:             head,
		LocationsURL:             head.URL + "/locations",
		State:                    a.state,
		Resolution:               strp(a.resolution),
		ResolvedAt:               tsp(a.resolvedAt),
		ResolvedBy:               s.userRaw(b, a.resolvedBy),
		ResolutionComment:        strp(a.resolutionComment),
		SecretType:               sp.SecretType,
		SecretTypeDisplayName:    sp.Title,
		PushProtectionBypassed:   a.bypassed,
		PushProtectionBypassedBy: s.userRaw(b, a.bypassedBy),
		PushProtectionBypassedAt: tsp(a.bypassedAt),
		Validity:                 sp.Validity,
	}
	if !hideSecret {
		secret := sp.Secret
		out.Secret = &secret
	}
	if b.ghes == "3.15" {
		return out
	}
	out.BypassRequestReviewer, out.BypassReviewerComment = nullJSON, nullJSON
	out.BypassRequestComment, out.BypassRequestHTMLURL = nullJSON, nullJSON
	out.MultiRepo, out.IsBase64Encoded, out.HasMoreLocations = &f, &f, &f
	out.AssignedTo = s.userRaw(b, a.assignee)
	blob, commit := hexID(a.id, 2), hexID(a.id, 3)
	line := int(a.id%200) + 1
	out.FirstLocationDetected = &ssLocation{
		Path: "config/settings.env", StartLine: line, EndLine: line, StartColumn: 1, EndColumn: 1 + len(sp.Secret),
		BlobSHA: blob, BlobURL: b.api + "/repos/" + a.repo.full + "/git/blobs/" + blob,
		CommitSHA: commit, CommitURL: b.api + "/repos/" + a.repo.full + "/git/commits/" + commit,
	}
	if b.full {
		leaked := a.leaked
		out.PubliclyLeaked = &leaked
		p := secretProviders[sp.SecretType]
		out.Provider, out.ProviderSlug = jsonString(p[0]), jsonString(p[1])
	}
	return out
}
