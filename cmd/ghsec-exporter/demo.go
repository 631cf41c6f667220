package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/daemon"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/file"
)

// demoOptions tune the demo.
type demoOptions struct {
	Repos     int
	PerKind   int
	Pause     time.Duration
	StatePath string
	// JSON writes the records as JSON lines to stdout and the narration to
	// stderr, for machines; without it the narration alone goes to stdout.
	JSON bool
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o demoOptions
	fs.IntVar(&o.Repos, "repos", 5, "repositories in the simulated org")
	fs.IntVar(&o.PerKind, "alerts", 12, "alerts of each kind in the simulated org before the demo starts")
	fs.DurationVar(&o.Pause, "pause", time.Second, "pause between demo steps, to watch them (0: none)")
	fs.StringVar(&o.StatePath, "state", "", "state file (default: a temporary file, removed at exit)")
	fs.BoolVar(&o.JSON, "json", false, "records as JSON lines on stdout, the narration on stderr (default: the narration alone, on stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return demo(ctx, stdout, stderr, o)
}

// demo runs the real pipeline — GitHub client, diff, state file, outbox,
// delivery loop, file sink — against the in-process GitHub simulator: a
// backfill of a populated org, then a scripted stream of realistic changes,
// each followed by a poll of alerts and audit log. The narration (each
// record in one line, each step's outcome) goes to stdout, or with -json to
// stderr while the records go to stdout as JSON lines; logs go to stderr.
func demo(ctx context.Context, stdout, stderr io.Writer, o demoOptions) error {
	story := stdout
	var records exporter.Sink = discard{}
	if o.JSON {
		story, records = stderr, file.NewWriter(stdout)
	}
	sim := ghsim.New(ghsim.Options{Product: "ghec", Token: "demo-token", AuditAlerts: true, AuditLag: 3 * time.Minute, Seed: 7})
	ghsim.Populate(sim, "acme", o.Repos, o.PerKind, 7)
	srv := httptest.NewServer(sim)
	defer srv.Close()

	dir, err := os.MkdirTemp("", "ghsec-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.StatePath == "" {
		o.StatePath = filepath.Join(dir, "state.db")
	}
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("demo-token"), 0o600); err != nil {
		return err
	}
	cfg := config.Default()
	cfg.GitHub.BaseURL = srv.URL + "/"
	cfg.GitHub.Product = "ghec"
	cfg.GitHub.TokenFile = tokenFile
	cfg.GitHub.Orgs = []string{"acme"}
	cfg.GitHub.AuditLag = config.Duration(5 * time.Minute)
	cfg.State.Path = o.StatePath
	cfg.Sinks = []config.SinkEntry{{Name: "stdout", Type: "file"}}
	secretFile := filepath.Join(dir, "webhook-secret")
	if err := os.WriteFile(secretFile, []byte("demo-webhook-secret"), 0o600); err != nil {
		return err
	}
	cfg.Webhook = &config.Webhook{Listen: "127.0.0.1:0", SecretFile: secretFile}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	counted := &tally{Sink: records, story: story}
	out := daemon.SinkSpec{Name: "stdout", Build: func(exporter.SinkDeps) (exporter.Sink, error) { return counted, nil }}
	app, err := daemon.New(&cfg, daemon.Options{Logger: log, Version: version, Now: sim.Now, Sinks: []daemon.SinkSpec{out}})
	if err != nil {
		return err
	}
	defer app.Close()
	// The simulator's org hook delivers signed webhooks to the real
	// receiver: transitions arrive by webhook first, and the polls that
	// follow find nothing new for them.
	hooks := httptest.NewServer(app.WebhookHandler())
	defer hooks.Close()
	sim.AddHook(ghsim.Hook{URL: hooks.URL + cfg.Webhook.Path, Secret: []byte("demo-webhook-secret"), Org: "acme", APIBase: srv.URL})
	for _, d := range sim.PendingDeliveries() {
		sim.Drop(d.ID) // the backfill below covers what existed before the hook
	}

	// a poll, and the line that says what it found beyond what the
	// step's webhook deliveries had recorded
	cycle := func(what string) error {
		before := app.GitHub().Limiter().Stats()
		if err := app.Once(ctx, 10*time.Second, false); err != nil {
			return err
		}
		after := app.GitHub().Limiter().Stats()
		fmt.Fprintln(story, counted.endStep().outcome(what, after.Requests-before.Requests, after.NotModified-before.NotModified))
		return nil
	}
	script := ghsim.DemoScript(sim, "acme")
	scripted := ghsim.DemoRepos("acme")
	names := make([]string, len(scripted))
	for i, r := range scripted {
		names[i] = strings.TrimPrefix(r, "acme/")
	}
	fmt.Fprintf(story, "# ghsec-exporter demo: simulated GitHub Enterprise Cloud org \"acme\" with %d repositories: %d with %d alerts of each kind,\n"+
		"# and %s, which get their first alerts in step 1\n", o.Repos+len(scripted), o.Repos, o.PerKind, strings.Join(names, ", "))
	fmt.Fprintln(story, "# each record in one line: seen by (backfill, webhook, poll, audit log), action, repository, alert, by whom and why")
	if !o.JSON {
		fmt.Fprintln(story, "# (demo -json: the records themselves as JSON lines on stdout, this narration on stderr)")
	}
	fmt.Fprintln(story, "# audit-log records can appear one step after the change they record: GitHub indexes audit events late\n"+
		"# (here up to 3 minutes), with their original time, so each audit poll re-reads a lag window\n"+
		"# (github.audit_lag, here 5m) and ships an event once it is indexed — never missed, never twice.")
	fmt.Fprintln(story, "# step 0: first run — backfill every alert (created, plus the closing event of alerts already closed)")
	if err := cycle("backfill"); err != nil {
		return err
	}
	for i, step := range script {
		if ctx.Err() != nil {
			return nil
		}
		sim.Advance(7 * time.Minute)
		fmt.Fprintf(story, "# step %d: %s\n", i+1, step.Desc)
		if err := step.Run(); err != nil {
			return fmt.Errorf("demo step %d: %w", i+1, err)
		}
		if n := len(sim.PendingDeliveries()); n > 0 {
			acked := sim.SendPending(ctx)
			fmt.Fprintf(story, "  webhook: %d signed %s, %d acknowledged after commit\n", n, plural(n, "delivery", "deliveries"), acked)
		}
		sim.Advance(time.Minute)
		if err := cycle("poll"); err != nil {
			return err
		}
		if o.Pause > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(o.Pause):
			}
		}
	}
	sim.Advance(10 * time.Minute)
	fmt.Fprintln(story, "# last: nothing changed — each alert list costs one conditional request answered 304 (zero rate-limit units), plus the audit-log query")
	if err := cycle("quiet poll"); err != nil {
		return err
	}
	st := app.GitHub().Limiter().Stats()
	fmt.Fprintln(story, counted.summary(st.Requests, st.NotModified))
	return nil
}
