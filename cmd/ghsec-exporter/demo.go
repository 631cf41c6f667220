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
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o demoOptions
	fs.IntVar(&o.Repos, "repos", 5, "repositories in the simulated org")
	fs.IntVar(&o.PerKind, "alerts", 12, "alerts of each kind in the simulated org before the demo starts")
	fs.DurationVar(&o.Pause, "pause", time.Second, "pause between demo steps, to watch them (0: none)")
	fs.StringVar(&o.StatePath, "state", "", "state file (default: a temporary file, removed at exit)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return demo(ctx, stdout, stderr, o)
}

// demo runs the real pipeline — GitHub client, diff, state file, outbox,
// delivery loop, file sink — against the in-process GitHub simulator: a
// backfill of a populated org, then a scripted stream of realistic changes,
// each followed by a poll of alerts and audit log. Records go to stdout as
// JSON lines, narration and logs to stderr.
func demo(ctx context.Context, stdout, stderr io.Writer, o demoOptions) error {
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
	counted := &tally{Sink: file.NewWriter(stdout)}
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

	cycle := func(what string) error {
		before := app.GitHub().Limiter().Stats()
		if err := app.Once(ctx, 10*time.Second, false); err != nil {
			return err
		}
		after := app.GitHub().Limiter().Stats()
		fmt.Fprintf(stderr, "  %s: %d GitHub requests (%d answered 304 Not Modified)\n",
			what, after.Requests-before.Requests, after.NotModified-before.NotModified)
		return nil
	}
	fmt.Fprintf(stderr, "# ghsec-exporter demo: simulated GitHub Enterprise Cloud org \"acme\" with %d repos, %d alerts of each kind\n", o.Repos, o.PerKind)
	fmt.Fprintln(stderr, "# audit-log records can appear one step after the change they record: GitHub indexes audit events late\n"+
		"# (here up to 3 minutes), with their original time, so each audit poll re-reads a lag window\n"+
		"# (github.audit_lag, here 5m) and ships an event once it is indexed — never missed, never twice.")
	fmt.Fprintln(stderr, "# step 0: first run — backfill every alert (created, plus the closing event of alerts already closed)")
	if err := cycle("backfill"); err != nil {
		return err
	}
	for i, step := range ghsim.DemoScript(sim, "acme") {
		if ctx.Err() != nil {
			return nil
		}
		sim.Advance(7 * time.Minute)
		fmt.Fprintf(stderr, "# step %d: %s\n", i+1, step.Desc)
		if err := step.Run(); err != nil {
			return fmt.Errorf("demo step %d: %w", i+1, err)
		}
		if n := len(sim.PendingDeliveries()); n > 0 {
			word := "deliveries"
			if n == 1 {
				word = "delivery"
			}
			fmt.Fprintf(stderr, "  webhook: %d signed %s, %d acknowledged after commit\n", n, word, sim.SendPending(ctx))
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
	fmt.Fprintln(stderr, "# last: nothing changed — each alert list costs one conditional request answered 304 (zero rate-limit units), plus the audit-log query")
	if err := cycle("quiet poll"); err != nil {
		return err
	}
	st := app.GitHub().Limiter().Stats()
	fmt.Fprintln(stderr, counted.summary(st.Requests, st.NotModified))
	return nil
}
