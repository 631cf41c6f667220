package main

import (
	"context"
	"flag"
	"io"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/daemon"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o daemon.DemoOptions
	fs.IntVar(&o.Repos, "repos", 5, "repositories in the simulated org")
	fs.IntVar(&o.PerKind, "alerts", 12, "alerts of each kind in the simulated org before the demo starts")
	fs.DurationVar(&o.Pause, "pause", 0, "pause between demo steps (e.g. 1s to watch it)")
	fs.StringVar(&o.StatePath, "state", "", "state file (default: a temporary file, removed at exit)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Version = version
	return daemon.Demo(ctx, stdout, stderr, o)
}
