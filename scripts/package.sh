#!/usr/bin/env bash
# Builds the .deb and .rpm into dist/ (or $DIST): a static binary stamped
# with version, commit and build date (`ghsec-exporter version` prints them),
# the systemd unit, the example config as the conffile
# /etc/ghsec-exporter/config.yaml, the README and docs/ (as a tree), and the
# licence (Apache-2.0: LICENSE, the .rpm's %license, and the .deb's
# machine-readable copyright file made from it), and THIRD_PARTY_LICENSES,
# the licences of the modules linked into the binary. nfpm comes from scripts/deps/nfpm.sh (installed here when
# missing: the first run compiles it, about 4 minutes on 2 cores, with a
# progress line every 20 s). Beside them, the Splunk add-on
# (content/splunk/TA-ghsec-exporter) as TA-ghsec-exporter-<version>.tgz, by
# scripts/packaging/splunk-app.sh.
#
#   ./scripts/package.sh                      # version from the git tag vX.Y.Z at HEAD, else 0.0.0+git<date>.<commit>
#   VERSION=1.2.3 ARCH=arm64 ./scripts/package.sh
#   MAINTAINER='Jane Doe <jane@example.org>' ./scripts/package.sh
#
# MAINTAINER is the packages' Maintainer (Packager in the .rpm): whoever
# builds and distributes them. Unset, it is the builder's git identity
# (git config user.name and user.email), else $USER@<host>.
set -euo pipefail
cd "$(dirname "$0")/.."
export GHSEC_TOOLS_DIR=${GHSEC_TOOLS_DIR:-$HOME/.cache/ghsec-exporter-tools}
DIST=${DIST:-dist}
ARCH=${ARCH:-$(go env GOARCH)}

# outside a git checkout (a source tarball) the commit is "unknown"
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [[ $commit != unknown && -n "$(git status --porcelain --untracked-files=no)" ]]; then commit+=-dirty; fi
# SOURCE_DATE_EPOCH, when set, makes the stamp reproducible.
date=$(date -u ${SOURCE_DATE_EPOCH:+-d "@$SOURCE_DATE_EPOCH"} +%Y-%m-%dT%H:%M:%SZ)
if [[ -z "${VERSION:-}" ]]; then
  if tag=$(git describe --tags --exact-match --match 'v[0-9]*' 2>/dev/null); then
    VERSION=${tag#v}
  else
    VERSION=0.0.0+git$(git log -1 --format=%cd --date=format:%Y%m%d 2>/dev/null || date -u +%Y%m%d).${commit%-dirty}
  fi
fi
if [[ -z "${MAINTAINER:-}" ]]; then
  name=$(git config user.name 2>/dev/null || true) email=$(git config user.email 2>/dev/null || true)
  if [[ -n $name && -n $email ]]; then
    MAINTAINER="$name <$email>"
  else
    MAINTAINER="${USER:-$(id -un)} <${USER:-$(id -un)}@$(hostname -f 2>/dev/null || hostname)>"
  fi
fi
echo "package.sh: ghsec-exporter $VERSION for linux/$ARCH, maintainer $MAINTAINER (MAINTAINER= sets it)"
export VERSION ARCH MAINTAINER

bash scripts/deps/nfpm.sh
mkdir -p "$DIST"
export COPYRIGHT="$DIST/copyright"
bash scripts/packaging/copyright.sh >"$COPYRIGHT"
export BIN="$DIST/ghsec-exporter-linux-$ARCH"
CGO_ENABLED=0 GOOS=linux GOARCH=$ARCH go build -trimpath -buildvcs=false \
  -ldflags "-s -w -X main.version=$VERSION -X main.commit=$commit -X main.date=$date" \
  -o "$BIN" ./cmd/ghsec-exporter
export THIRD_PARTY="$DIST/THIRD_PARTY_LICENSES"
bash scripts/packaging/third-party.sh "$BIN" >"$THIRD_PARTY"
for p in deb rpm; do
  "$GHSEC_TOOLS_DIR/bin/nfpm" package --config scripts/packaging/nfpm.yaml --packager "$p" --target "$DIST/"
done
rm -f "$COPYRIGHT" "$THIRD_PARTY"
DIST=$DIST bash scripts/packaging/splunk-app.sh
ls -l "$DIST"
