#!/usr/bin/env bash
# syslog-ng 3.38 (Debian bookworm's syslog-ng-core, which also ships loggen),
# unpacked into $GHSEC_TOOLS_DIR/syslog-ng rather than installed: as a package
# it conflicts with rsyslog. Its runtime libraries are in apt-packages.txt.
# Binaries: syslog-ng/usr/sbin/syslog-ng, syslog-ng/usr/bin/loggen; run them
# with LD_LIBRARY_PATH=syslog-ng/usr/lib/syslog-ng.
set -euo pipefail
V=3.38.1-5+deb12u1
: "${GHSEC_TOOLS_DIR:?}"
dest="$GHSEC_TOOLS_DIR/syslog-ng"
stamp="$dest/.version"
if [[ "$(cat "$stamp" 2>/dev/null)" == "$V" && -x "$dest/usr/sbin/syslog-ng" ]]; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# apt-get download writes into the current directory; the _apt sandbox user may
# not be able to, which only costs a warning.
(cd "$tmp" && apt-get download -qq "syslog-ng-core=$V" 2>&1 | grep -v 'unsandboxed' || true)
deb=("$tmp"/syslog-ng-core_*.deb)
[[ -f "${deb[0]}" ]] || { echo "apt-get download syslog-ng-core=$V failed (run apt-get update?)" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"
dpkg -x "${deb[0]}" "$dest"
LD_LIBRARY_PATH="$dest/usr/lib/syslog-ng" "$dest/usr/sbin/syslog-ng" --version | head -1
echo "$V" > "$stamp"
