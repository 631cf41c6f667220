package config

import (
	"fmt"
	"strings"
	"time"
)

// Webhook configures the webhook receiver; absent means off.
type Webhook struct {
	Listen      string `yaml:"listen"`
	Path        string `yaml:"path"`
	SecretFile  string `yaml:"secret_file"`
	SecretEnv   string `yaml:"secret_env"`
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
	// BodyBudgetMiB bounds the MiB of large delivery bodies (over 64 KiB)
	// being read and processed at once; smaller ones, every alert event in
	// practice, never wait for it. A delivery that finds no room within a
	// few seconds is answered 503 and recovered by redelivery (default 8).
	BodyBudgetMiB int         `yaml:"body_budget_mib"`
	Redelivery    *Redelivery `yaml:"redelivery"`
}

// DefaultWebhookBodyBudgetMiB is body_budget_mib unless set.
const DefaultWebhookBodyBudgetMiB = 8

// Redelivery configures the job that asks GitHub to redeliver deliveries
// that failed while the receiver was down.
type Redelivery struct {
	Schedule string    `yaml:"schedule"`
	Window   Duration  `yaml:"window"`
	Hooks    []HookRef `yaml:"hooks"`
	App      bool      `yaml:"app"`
}

// HookRef names an org hook (org + id) or a repository hook (repo + id).
type HookRef struct {
	Org  string `yaml:"org"`
	Repo string `yaml:"repo"`
	ID   int64  `yaml:"id"`
}

// DefaultWebhookPath is where deliveries are accepted unless path says otherwise.
const DefaultWebhookPath = "/github/webhook"

// secretRef is the webhook secret's pair of fields. Validate says itself
// when both are missing, to say why the secret is required.
func (w *Webhook) secretRef() SecretRef {
	return SecretRef{Path: "webhook.secret", File: w.SecretFile, Env: w.SecretEnv}
}

// validateWebhook fills the webhook defaults and checks every field.
func (c *Config) validateWebhook() []error {
	w := c.Webhook
	if w == nil {
		return nil
	}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(ListenAnyPortField("webhook.listen", w.Listen, "127.0.0.1:9465"))
	if w.Path == "" {
		w.Path = DefaultWebhookPath
	}
	if !strings.HasPrefix(w.Path, "/") || strings.ContainsAny(w.Path, " ?#{}") {
		add(Field("webhook.path", w.Path, "must be a URL path starting with /"))
	}
	if w.SecretFile == "" && w.SecretEnv == "" {
		add(Required("webhook.secret_file", "set webhook.secret_file or webhook.secret_env (an unsigned receiver would accept anyone's deliveries)"))
	}
	add(w.secretRef().Check())
	if w.BodyBudgetMiB == 0 {
		w.BodyBudgetMiB = DefaultWebhookBodyBudgetMiB
	}
	if w.BodyBudgetMiB < 1 || w.BodyBudgetMiB > 1024 {
		add(Field("webhook.body_budget_mib", w.BodyBudgetMiB, "must be between 1 and 1024 (MiB of delivery bodies in flight)"))
	}
	if (w.TLSCertFile == "") != (w.TLSKeyFile == "") {
		add(Field("webhook.tls_key_file", w.TLSKeyFile, "set both webhook.tls_cert_file and webhook.tls_key_file, or neither"))
	}
	if r := w.Redelivery; r != nil {
		if r.Schedule == "" {
			r.Schedule = "@every 10m"
		}
		if r.Window == 0 {
			r.Window = Duration(72 * time.Hour)
		}
		add(ScheduleField("webhook.redelivery.schedule", r.Schedule))
		if r.Window.D() < time.Hour || r.Window.D() > 7*24*time.Hour {
			add(Field("webhook.redelivery.window", r.Window.D(), "must be between 1h and 168h (GitHub keeps deliveries 3 days, GHES 7)"))
		}
		if len(r.Hooks) == 0 && !r.App {
			add(Required("webhook.redelivery.hooks", "list hooks ({org, id} or {repo, id}) or set app: true"))
		}
		if r.App && c.GitHub.App == nil {
			add(Field("webhook.redelivery.app", true, "needs github.app: the App's own hook is read with the App's JWT"))
		}
		for i, h := range r.Hooks {
			p := fmt.Sprintf("webhook.redelivery.hooks[%d]", i)
			switch {
			case (h.Org == "") == (h.Repo == ""):
				add(Field(p, h.Org+h.Repo, "set exactly one of org or repo"))
			case h.Org != "" && !ownerRe.MatchString(h.Org):
				add(Field(p+".org", h.Org, "not a GitHub organization login"))
			case h.Repo != "" && !repoRe.MatchString(h.Repo):
				add(Field(p+".repo", h.Repo, "must be owner/name"))
			}
			if h.ID <= 0 {
				add(Field(p+".id", h.ID, "must be the hook's numeric id"))
			}
		}
	}
	return errs
}
