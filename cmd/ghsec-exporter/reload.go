package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/daemon"
)

// serve runs the daemon on the config at path until ctx ends, and reloads it
// on every value from hup (SIGHUP, `systemctl reload`). A reload first
// re-reads and validates the whole config, as check-config does; an invalid
// one is logged at ERROR, naming the field, and the running daemon carries on
// untouched. A valid one stops the running daemon gracefully (jobs and the
// transaction in flight finish and the state file is closed, since only one
// process may hold it) and starts a new one; should that fail (say the new
// state path is not writable, or GitHub does not serve the new
// github.api_version), the old config is started again. Either way
// the new daemon carries on the old one's counters and /healthz history.
func serve(ctx context.Context, path string, stderr io.Writer, hup <-chan os.Signal) error {
	cfg, err := loadChecked(path)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	app, err := newApp(cfg, log, nil)
	if err != nil {
		return err
	}
	wdCtx, stopWatchdog := context.WithCancel(ctx)
	defer stopWatchdog()
	go watchdog(wdCtx, log)
	notifyReady(log)
	for {
		r := startApp(ctx, app)
		next, ended := awaitReload(ctx, path, log, hup, r)
		if next == nil {
			notifyStopping()
			if err := r.stop(app, ended, nil); err != nil {
				return err
			}
			log.Info("stopped")
			return nil
		}
		notifyReloading(log)
		began := time.Now()
		if err := r.stop(app, ended, daemon.ErrReload); err != nil {
			log.Error("daemon stopped with an error during reload", "err", err)
		}
		nextLog := newLogger(next.Log, stderr)
		nextApp, err := newApp(next, nextLog, app)
		if err == nil {
			// what Run would refuse to start on (a github.api_version the
			// product does not serve), refused before the old config is let go
			if err = nextApp.CheckStart(ctx); err != nil {
				nextApp.Close()
				err = fmt.Errorf("github: %w", err)
			}
		}
		if err != nil {
			log.Error("config reload: cannot start on the new config; starting the old one again", "config", path, "err", err)
			if app, err = newApp(cfg, log, app); err != nil {
				return fmt.Errorf("restart on the old config after a failed reload: %w", err)
			}
			notifyReady(log)
			continue
		}
		cfg, log, app = next, nextLog, nextApp
		log.Info("config reloaded", "config", path, "took", time.Since(began).Round(time.Millisecond))
		notifyReady(log)
	}
}

// appRun is one daemon.App.Run in flight.
type appRun struct {
	cancel context.CancelCauseFunc
	done   chan error
}

func startApp(ctx context.Context, app *daemon.App) *appRun {
	ctx, cancel := context.WithCancelCause(ctx)
	r := &appRun{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- app.Run(ctx) }()
	return r
}

// stop ends the run gracefully, waits for it and closes the app; ended is
// the run's result when it had already returned. cause is daemon.ErrReload
// for a reload (the run logs that it reloads), nil for a stop.
func (r *appRun) stop(app *daemon.App, ended *error, cause error) error {
	r.cancel(cause)
	var err error
	if ended != nil {
		err = *ended
	} else {
		err = <-r.done
	}
	app.Close()
	return err
}

// awaitReload waits for a SIGHUP that brings a valid config and returns it.
// It returns nil when ctx ends or the run ends by itself (then with the
// run's result in ended). An invalid config is logged and waited past.
func awaitReload(ctx context.Context, path string, log *slog.Logger, hup <-chan os.Signal, r *appRun) (next *loaded, ended *error) {
	for {
		select {
		case <-ctx.Done():
			return nil, nil
		case err := <-r.done:
			return nil, &err
		case <-hup:
			log.Info("SIGHUP: reloading the config", "config", path)
			cfg, err := loadChecked(path)
			if err != nil {
				log.Error("config reload failed; keeping the running config", "config", path, "err", err)
				continue
			}
			return cfg, nil
		}
	}
}
