package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/daemon"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: ghsec-exporter <command> [flags]

commands:
  init -org NAME [-repo O/R] [-enterprise E] [-out ghsec-exporter.yaml]
                              write a starter config that runs from this directory with $GITHUB_TOKEN
  run -config FILE            run the daemon (jobs on their cron schedules)
  once -config FILE           run every job one time, drain the outboxes, exit
  check-config -config FILE   validate the config and print it with secrets redacted (offline)
  check -config FILE          contact GitHub and every sink; one table of what works, exit 1 on a problem
  state show|deadletter|requeue|compact -config FILE [-sink NAME]
                              inspect the state file, list or requeue dead letters;
                              compact it (daemon stopped) after a long sink outage
  demo [-repos N] [-alerts N] [-pause D] [-state FILE]
                              run the real pipeline against the built-in GitHub simulator
  version                     print the version, commit and build date
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, args := args[0], args[1:]
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd {
	case "init":
		err = cmdInit(args, stdout, stderr)
	case "run":
		err = cmdRun(ctx, args, stderr)
	case "once":
		err = cmdOnce(ctx, args, stderr)
	case "check-config":
		err = cmdCheckConfig(args, stdout, stderr)
	case "check":
		err = cmdCheck(ctx, args, stdout, stderr)
	case "state":
		err = cmdState(args, stdout, stderr)
	case "demo":
		err = cmdDemo(ctx, args, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, versionLine())
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "ghsec-exporter %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

// defaultConfig is where -config points when it is not given: the
// packaged service's config.
const defaultConfig = "/etc/ghsec-exporter/config.yaml"

// localConfig is the file `init` writes by default.
const localConfig = "ghsec-exporter.yaml"

// withConfigHint adds to a config that is not there what was meant, most
// often: -config was left out after `init` wrote ./ghsec-exporter.yaml.
func withConfigHint(path string, err error) error {
	if !errors.Is(err, os.ErrNotExist) || path != defaultConfig {
		return err
	}
	if st, serr := os.Stat(localConfig); serr == nil && st.Mode().IsRegular() {
		return fmt.Errorf("%w; ./%s is here (written by init?): add -config ./%s", err, localConfig, localConfig)
	}
	return fmt.Errorf("%w (the default; -config FILE names another, init writes one)", err)
}

func configFlag(name string, args []string, stderr io.Writer, extra func(fs *flag.FlagSet)) (*flag.FlagSet, *string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", defaultConfig, "config file")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	return fs, path, nil
}

func newLogger(cfg config.Log, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.Level))
	o := &slog.HandlerOptions{Level: lvl}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, o))
	}
	return slog.New(slog.NewTextHandler(w, o))
}

// newApp is the wiring of run and once: the daemon on the loaded config,
// with the secrets it read, and the sinks it names, built by the daemon
// once it has opened the state file. It reads no secret or file again.
// prev is the stopped App a reload replaces, whose counters the new one
// carries on; nil at the start.
func newApp(l *loaded, log *slog.Logger, prev *daemon.App) (*daemon.App, error) {
	specs := make([]daemon.SinkSpec, len(l.sinks))
	for i, r := range l.sinks {
		specs[i] = daemon.SinkSpec{Name: r.Name, Build: r.Build}
	}
	return daemon.New(l.Config, daemon.Options{Logger: log, Version: version, Sinks: specs, Secrets: l.secrets, Previous: prev})
}

func cmdRun(ctx context.Context, args []string, stderr io.Writer) error {
	_, path, err := configFlag("run", args, stderr, nil)
	if err != nil {
		return err
	}
	// before anything slow: SIGHUP's default action would kill the daemon
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return serve(ctx, *path, stderr, hup)
}

func cmdOnce(ctx context.Context, args []string, stderr io.Writer) error {
	var drain time.Duration
	var reconcile bool
	_, path, err := configFlag("once", args, stderr, func(fs *flag.FlagSet) {
		fs.DurationVar(&drain, "drain-timeout", time.Minute, "how long to keep retrying failing sinks before giving up (records stay queued)")
		fs.BoolVar(&reconcile, "reconcile", false, "also run the reconcile job (a full listing that finds vanished alerts)")
	})
	if err != nil {
		return err
	}
	l, err := loadChecked(*path)
	if err != nil {
		return err
	}
	app, err := newApp(l, newLogger(l.Log, stderr), nil)
	if err != nil {
		return err
	}
	defer app.Close()
	return app.Once(ctx, drain, reconcile)
}
