package main

import (
	"context"
	"log/slog"

	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// The sd_notify messages the daemon sends; outside systemd (no
// NOTIFY_SOCKET) each is a no-op.

// notifyReady tells systemd (Type=notify) that start-up or a reload finished.
func notifyReady(log *slog.Logger) {
	if ok, err := daemon.SdNotify(false, daemon.SdNotifyReady); err != nil {
		log.Warn("systemd notify failed", "state", "READY", "err", err)
	} else if ok {
		log.Debug("told systemd we are ready")
	}
}

// notifyReloading marks the unit "reloading" until the next notifyReady, so
// `systemctl reload` returns only once the new config runs.
func notifyReloading(log *slog.Logger) {
	if _, err := daemon.SdNotify(false, daemon.SdNotifyReloading); err != nil {
		log.Warn("systemd notify failed", "state", "RELOADING", "err", err)
	}
}

func notifyStopping() { _, _ = daemon.SdNotify(false, daemon.SdNotifyStopping) }

// watchdog pings systemd at half of WatchdogSec= until ctx ends, when the
// unit asks for it (WATCHDOG_USEC set for this pid). It pings from its own
// goroutine rather than from the jobs: a GitHub poll or a sink outage may
// legitimately take longer than the watchdog interval, and a sink being down
// must not get the daemon restarted; what the ping proves is that the process
// is alive and its runtime schedules goroutines.
func watchdog(ctx context.Context, log *slog.Logger) {
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		log.Warn("systemd watchdog settings unusable; not pinging", "err", err)
		return
	}
	if interval == 0 {
		return
	}
	log.Debug("pinging the systemd watchdog", "every", interval/2)
	failed := false
	ping := func() {
		if _, err := daemon.SdNotify(false, daemon.SdNotifyWatchdog); err != nil && !failed {
			log.Warn("systemd watchdog ping failed", "err", err)
			failed = true
		} else if err == nil && failed {
			log.Info("systemd watchdog ping works again")
			failed = false
		}
	}
	ping()
	exporter.Every(ctx, interval/2, nil, ping)
}
