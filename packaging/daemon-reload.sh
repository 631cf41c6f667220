#!/bin/sh
# Maintainer script (after install, upgrade and removal): make a running
# systemd see the new or removed unit. Nothing is enabled or started: the
# GitHub token and the config need editing first (see the README). Skipped
# when installing into another root (dpkg --root sets DPKG_ROOT) or without
# systemd as init.
set -e
if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
