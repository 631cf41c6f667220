package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the whole configuration file.
type Config struct {
	GitHub    GitHub      `yaml:"github"`
	State     State       `yaml:"state"`
	Schedules Schedules   `yaml:"schedules"`
	Records   Records     `yaml:"records"`
	Delivery  Delivery    `yaml:"delivery"`
	Log       Log         `yaml:"log"`
	Metrics   Metrics     `yaml:"metrics"`
	Webhook   *Webhook    `yaml:"webhook"`
	Sinks     []SinkEntry `yaml:"sinks"`
}

// GitHub says where and as whom to poll.
type GitHub struct {
	BaseURL     string   `yaml:"base_url"`
	Product     string   `yaml:"product"`      // dotcom | ghec | ghes; "" detects it
	GHESVersion string   `yaml:"ghes_version"` // e.g. "3.19"
	TokenEnv    string   `yaml:"token_env"`
	TokenFile   string   `yaml:"token_file"`
	App         *App     `yaml:"app"`
	Orgs        []string `yaml:"orgs"`
	Repos       []string `yaml:"repos"`
	Enterprises []string `yaml:"enterprises"`
	// Overlap is how far before the stored watermark an incremental poll keeps paging.
	Overlap Duration `yaml:"overlap"`
	// AuditLag is how far back each audit poll re-reads, for late-indexed events.
	AuditLag Duration `yaml:"audit_lag"`
	// AuditInclude is the audit log's include parameter: web, git or all.
	AuditInclude string `yaml:"audit_include"`
	// AuditBackfill is how far back the first audit poll of a scope reads.
	AuditBackfill Duration `yaml:"audit_backfill"`
	// AuditPhrase is extra audit-log search terms (e.g. "action:secret_scanning_alert").
	AuditPhrase string `yaml:"audit_phrase"`
	// AuditBudget is the audit-log queries per hour the exporter allows itself
	// (GitHub: 1,750 per user and IP).
	AuditBudget int `yaml:"audit_budget"`
	// RateLimitReserve is the number of requests per window the exporter never spends.
	RateLimitReserve int `yaml:"rate_limit_reserve"`
	// Concurrency is how many requests may run at once for the credential (default 1).
	Concurrency int `yaml:"concurrency"`
	// RequestTimeout bounds each HTTP request.
	RequestTimeout Duration `yaml:"request_timeout"`
	// SecretScanning tunes the secret scanning lists (the generic types).
	SecretScanning SecretScanning `yaml:"secret_scanning"`
	// RequestWindow is how far back each poll of the dismissal and bypass
	// request lists reads (GitHub's time_period: the shortest of hour, day,
	// week, month that covers it).
	RequestWindow Duration `yaml:"request_window"`
	// APIVersion is the REST API version sent as X-GitHub-Api-Version
	// (APIVersions lists those the exporter reads).
	APIVersion string `yaml:"api_version"`
}

// App is GitHub App authentication.
type App struct {
	AppID          int64  `yaml:"app_id"`
	InstallationID int64  `yaml:"installation_id"`
	PrivateKeyFile string `yaml:"private_key_file"`
}

// State locates the state file.
type State struct {
	Path string `yaml:"path"`
}

// Schedules are robfig/cron specs (with descriptors such as "@every 5m").
type Schedules struct {
	Alerts    string `yaml:"alerts"`
	Reconcile string `yaml:"reconcile"`
	AuditLog  string `yaml:"audit_log"`
	Requests  string `yaml:"requests"`
}

// Records tunes record content.
type Records struct {
	// IncludeRaw adds GitHub's own object (minus any secret) as "raw".
	IncludeRaw bool `yaml:"include_raw"`
}

// Delivery tunes the per-sink delivery loops.
type Delivery struct {
	BatchSize  int      `yaml:"batch_size"`
	MinBackoff Duration `yaml:"min_backoff"`
	MaxBackoff Duration `yaml:"max_backoff"`
}

// Log configures log/slog output on stderr.
type Log struct {
	Level  string `yaml:"level"`  // debug | info | warn | error
	Format string `yaml:"format"` // text | json
}

// Metrics configures the Prometheus and health endpoint.
type Metrics struct {
	Listen string `yaml:"listen"` // e.g. 127.0.0.1:9464; empty disables
}

// SinkEntry is one element of `sinks:`. Name and Type are common; Body is
// the rest of the mapping, decoded strictly by the sink type's package.
type SinkEntry struct {
	Name string
	Type string
	Body *yaml.Node
}

// UnmarshalYAML splits name and type from the type-specific keys.
func (s *SinkEntry) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a sink must be a mapping with name and type", node.Line)
	}
	body := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], node.Content[i+1]
		switch k.Value {
		case "name":
			s.Name = v.Value
		case "type":
			s.Type = v.Value
		default:
			body.Content = append(body.Content, k, v)
		}
	}
	s.Body = body
	return nil
}

// MarshalYAML renders the entry back as one mapping (check-config).
func (s SinkEntry) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	n.Content = append(n.Content, str("name"), str(s.Name), str("type"), str(s.Type))
	if s.Body != nil {
		n.Content = append(n.Content, s.Body.Content...)
	}
	return n, nil
}

func str(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

// Duration is a time.Duration written as "90s" or "15m" in YAML.
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(node *yaml.Node) error {
	v, err := time.ParseDuration(node.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 90s or 15m", node.Line, node.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML renders the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// D is the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Default returns a config with every default filled.
func Default() Config {
	return Config{
		GitHub: GitHub{
			BaseURL: "https://api.github.com/", APIVersion: APIVersion20221128,
			Overlap: Duration(2 * time.Minute), AuditLag: Duration(15 * time.Minute),
			AuditInclude: "all", AuditBackfill: Duration(24 * time.Hour), AuditBudget: 1750,
			RateLimitReserve: 100, Concurrency: 1,
			RequestTimeout: Duration(60 * time.Second), RequestWindow: Duration(DefaultRequestWindow),
		},
		State:     State{Path: "/var/lib/ghsec-exporter/state.db"},
		Schedules: Schedules{Alerts: "@every 5m", Reconcile: "@daily", AuditLog: "@every 1m", Requests: "@every 10m"},
		Delivery:  Delivery{BatchSize: 500, MinBackoff: Duration(time.Second), MaxBackoff: Duration(5 * time.Minute)},
		Log:       Log{Level: "info", Format: "text"},
	}
}

// Load reads, strictly decodes and validates a config file.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	cfg, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Decode reads YAML from r over the defaults and validates it; it reads
// none of the files or variables the config names (see Resolve).
func Decode(r io.Reader) (*Config, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	cfg := Default()
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(raw)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, YAMLError(err)
	}
	if emptyDocument(&doc) {
		return nil, errEmpty
	}
	if err := StrictDecode(&doc, &cfg); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// ErrEmpty is the kind of the error Decode returns for a config file with
// no settings: 0 bytes, only comments or whitespace, or a lone null. The
// error says what a config needs, rather than the strict decoder's "must be
// a mapping of keys". It is an ErrRequired too.
var ErrEmpty = fmt.Errorf("no settings: %w", ErrRequired)

var errEmpty = &FieldError{Path: "(document)", Err: ErrEmpty,
	Msg: "no settings: a config needs at least github.orgs, github.repos or github.enterprises (what to poll), " +
		"a credential (github.token_env, token_file or app) and sinks (where records go); " +
		"`ghsec-exporter init -org NAME` writes a starter config"}

// emptyDocument reports whether doc, a decoded YAML stream, holds no value:
// nothing at all (the decoder met EOF) or a document whose value is null.
func emptyDocument(doc *yaml.Node) bool {
	if doc.Kind == 0 {
		return true
	}
	return doc.Kind == yaml.DocumentNode && (len(doc.Content) == 0 || isNull(doc.Content[0]))
}

var (
	ownerRe = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	repoRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$`)
	nameRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)
)

// Validate checks every generic field and fills the defaults that depend on
// others; sink bodies are validated by their own packages. It looks at the
// config alone, reading no file or variable: that is Resolve's business.
// All problems are returned, joined, each a *FieldError naming its field
// (ErrRequired, ErrConflict or ErrInvalid).
func (c *Config) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	g := &c.GitHub
	if _, err := URLField("github.base_url", g.BaseURL, "https://api.github.com/ or https://HOST/api/v3/"); err != nil {
		add(err)
	} else if !strings.HasSuffix(g.BaseURL, "/") {
		g.BaseURL += "/"
	}
	switch g.Product {
	case "", "dotcom", "ghec":
	case "ghes":
		if g.GHESVersion != "" && !regexp.MustCompile(`^3\.\d+$`).MatchString(g.GHESVersion) {
			add(Field("github.ghes_version", g.GHESVersion, "must look like 3.19"))
		}
	default:
		add(Field("github.product", g.Product, "must be dotcom, ghec, ghes or left out to detect it"))
	}
	if !slices.Contains(APIVersions, g.APIVersion) {
		add(Field("github.api_version", g.APIVersion, "must be one of %s (the REST API versions the exporter reads)", strings.Join(APIVersions, ", ")))
	} else if ok, _ := GHESServes(g.GHESVersion, g.APIVersion); g.Product == "ghes" && !ok {
		add(Conflict("github.api_version", "GHES %s (github.ghes_version) does not serve REST API version %s, which GHES has from %s: set github.api_version to %s or leave it out",
			g.GHESVersion, g.APIVersion, APIVersionMinGHES, APIVersion20221128))
	}
	add(g.tokenRef().Check())
	if g.App != nil {
		if g.App.AppID <= 0 {
			add(Field("github.app.app_id", g.App.AppID, "must be the App's numeric id"))
		}
		if g.App.InstallationID <= 0 {
			add(Field("github.app.installation_id", g.App.InstallationID, "must be the installation's numeric id"))
		}
		add(g.App.checkKeyPath())
		if g.TokenEnv != "" || g.TokenFile != "" {
			add(Conflict("github", "set exactly one of token_env, token_file or app"))
		}
	}
	if len(g.Orgs)+len(g.Repos)+len(g.Enterprises) == 0 {
		add(&FieldError{Path: "github.orgs", Err: ErrRequired, Msg: "nothing to poll: list at least one of github.orgs, github.repos or github.enterprises"})
	}
	for i, o := range g.Orgs {
		if !ownerRe.MatchString(o) {
			add(Field(fmt.Sprintf("github.orgs[%d]", i), o, "not a GitHub organization login"))
		}
	}
	for i, e := range g.Enterprises {
		if !nameRe.MatchString(e) {
			add(Field(fmt.Sprintf("github.enterprises[%d]", i), e, "not an enterprise slug"))
		}
	}
	for i, r := range g.Repos {
		if !repoRe.MatchString(r) {
			add(Field(fmt.Sprintf("github.repos[%d]", i), r, "must be owner/name"))
		}
	}
	if g.Overlap < 0 {
		add(Field("github.overlap", g.Overlap.D(), "must not be negative"))
	}
	if g.AuditLag < 0 || g.AuditLag.D() > 24*time.Hour {
		add(Field("github.audit_lag", g.AuditLag.D(), "must be between 0 and 24h"))
	}
	switch g.AuditInclude {
	case "web", "git", "all":
	default:
		add(Field("github.audit_include", g.AuditInclude, "must be web, git or all"))
	}
	if g.AuditBackfill < 0 || g.AuditBackfill.D() > 180*24*time.Hour {
		add(Field("github.audit_backfill", g.AuditBackfill.D(), "must be between 0 and 4320h (GitHub keeps 180 days)"))
	}
	if g.AuditBudget < 1 || g.AuditBudget > 1750 {
		add(Field("github.audit_budget", g.AuditBudget, "must be between 1 and 1750 (GitHub's audit-log limit per hour)"))
	}
	if g.RateLimitReserve < 0 {
		add(Field("github.rate_limit_reserve", g.RateLimitReserve, "must not be negative"))
	}
	if g.Concurrency < 1 || g.Concurrency > 16 {
		add(Field("github.concurrency", g.Concurrency, "must be between 1 and 16"))
	}
	if g.RequestTimeout.D() < time.Second {
		add(Field("github.request_timeout", g.RequestTimeout.D(), "must be at least 1s"))
	}
	errs = append(errs, g.SecretScanning.GenericTypes.validate("github.secret_scanning.generic_types")...)
	if c.State.Path == "" {
		add(Required("state.path", "path of the state file"))
	}
	add(ScheduleField("schedules.alerts", c.Schedules.Alerts))
	add(ScheduleField("schedules.reconcile", c.Schedules.Reconcile))
	add(ScheduleField("schedules.audit_log", c.Schedules.AuditLog))
	add(ScheduleField("schedules.requests", c.Schedules.Requests))
	add(requestWindowField(c.Schedules.Requests, c.GitHub.RequestWindow.D()))
	if c.Delivery.BatchSize < 1 || c.Delivery.BatchSize > 10000 {
		add(Field("delivery.batch_size", c.Delivery.BatchSize, "must be between 1 and 10000"))
	}
	if c.Delivery.MinBackoff.D() <= 0 || c.Delivery.MaxBackoff < c.Delivery.MinBackoff {
		add(Field("delivery.max_backoff", c.Delivery.MaxBackoff.D(), "must be at least delivery.min_backoff, which must be positive"))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add(Field("log.level", c.Log.Level, "must be debug, info, warn or error"))
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		add(Field("log.format", c.Log.Format, "must be text or json"))
	}
	if c.Metrics.Listen != "" {
		add(HostPortField("metrics.listen", c.Metrics.Listen, "127.0.0.1:9464", false))
	}
	errs = append(errs, c.validateWebhook()...)
	if len(c.Sinks) == 0 {
		add(Required("sinks", "configure at least one sink (type: file, path: \"-\" writes JSON lines to stdout)"))
	}
	names := map[string]bool{}
	for i, s := range c.Sinks {
		p := fmt.Sprintf("sinks[%d]", i)
		if !nameRe.MatchString(s.Name) {
			add(Field(p+".name", s.Name, "must be a name of letters, digits, '.', '_' or '-'"))
		} else if names[s.Name] {
			add(Field(p+".name", s.Name, "duplicate sink name"))
		}
		names[s.Name] = true
		if s.Type == "" {
			add(missingType(p, s.Body))
		}
	}
	return errors.Join(errs...)
}

// tokenRef is the token's pair of fields; without an App it is required.
func (g *GitHub) tokenRef() SecretRef {
	return SecretRef{Path: "github.token", File: g.TokenFile, Env: g.TokenEnv, Required: g.App == nil}
}

// Set sets the duration (tests, programmatic configs).
func (d *Duration) Set(v time.Duration) { *d = Duration(v) }

// missingType is the error for a sink entry without a type. A key that
// looks like a misspelt "type" (typ, tpye, Type) is named: the reader's
// typo, not the missing key, is what to fix.
func missingType(path string, body *yaml.Node) error {
	if body != nil {
		for i := 0; i+1 < len(body.Content); i += 2 {
			k := body.Content[i]
			if k.Kind == yaml.ScalarNode && lookalike(k.Value, "type") {
				return &FieldError{Path: path + "." + keyName(k), Err: ErrInvalid,
					Msg: fmt.Sprintf("unknown key (line %d): did you mean type? Every sink has name and type, then the keys of its type", k.Line)}
			}
		}
	}
	return Required(path+".type", "every sink has name and type (file, syslog, splunk_hec, …), then the keys of its type")
}

// lookalike reports whether key is want mistyped: another case, or at most
// one letter dropped, added, changed or two swapped.
func lookalike(key, want string) bool {
	key = strings.ToLower(key)
	if key == want {
		return true
	}
	a, b := []rune(key), []rune(want)
	if len(a) > len(b) {
		a, b = b, a
	}
	switch {
	case len(b)-len(a) > 1:
		return false
	case len(a) == len(b):
		var diff []int
		for i := range a {
			if a[i] != b[i] {
				diff = append(diff, i)
			}
		}
		return len(diff) == 1 || (len(diff) == 2 && diff[1] == diff[0]+1 && a[diff[0]] == b[diff[1]] && a[diff[1]] == b[diff[0]])
	}
	// one letter more in b: skip it where a and b first differ
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	return string(a[i:]) == string(b[i+1:])
}
