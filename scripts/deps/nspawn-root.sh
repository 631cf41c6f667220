#!/usr/bin/env bash
# A minimal Debian bookworm root with systemd, made by debootstrap, that
# packaging/systemd_test.go boots with systemd-nspawn (on a throwaway overlay,
# so the root stays pristine) to test the .deb and the unit under a real
# systemd. Needs root; about 4 minutes and 250 MB on first install.
set -euo pipefail
: "${GHSEC_TOOLS_DIR:?}"
SUITE=bookworm
INCLUDE=systemd,systemd-sysv,dbus,procps
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
dest="$GHSEC_TOOLS_DIR/nspawn-root"
want="$SUITE $INCLUDE"
if [[ "$(cat "$dest.version" 2>/dev/null)" == "$want" && -x "$dest/lib/systemd/systemd" ]]; then
  exit 0
fi
if [[ $(id -u) != 0 ]]; then
  echo "nspawn-root.sh: debootstrap needs root; the systemd test fails under CI=true without $dest" >&2
  exit 0
fi
command -v debootstrap >/dev/null || { echo "nspawn-root.sh: debootstrap not found (apt-packages.txt)" >&2; exit 1; }
rm -rf "$dest.tmp" "$dest"
debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$dest.tmp" "$MIRROR"
# a clean machine: an empty machine-id, so each boot makes its own
rm -f "$dest.tmp/etc/machine-id" && : > "$dest.tmp/etc/machine-id"
rm -f "$dest.tmp/var/cache/apt/archives/"*.deb
mv "$dest.tmp" "$dest"
echo "$want" > "$dest.version"
