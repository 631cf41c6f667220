package main

import (
	"log/slog"

	"github.com/coreos/go-systemd/v22/daemon"
)

// notifyReady tells systemd (Type=notify) that start-up finished; outside
// systemd it does nothing.
func notifyReady(log *slog.Logger) {
	if ok, err := daemon.SdNotify(false, daemon.SdNotifyReady); err != nil {
		log.Warn("systemd notify failed", "err", err)
	} else if ok {
		log.Debug("told systemd we are ready")
	}
}

func notifyStopping() { _, _ = daemon.SdNotify(false, daemon.SdNotifyStopping) }
