#!/usr/bin/env bash
# nfpm, pinned: builds the .deb and .rpm in scripts/package.sh (the package
# test in cmd/ghsec-exporter runs that script).
set -euo pipefail
V=v2.45.2
: "${GHSEC_TOOLS_DIR:?}"
if [[ "$(cat "$GHSEC_TOOLS_DIR/bin/.nfpm-version" 2>/dev/null)" != "$V" || ! -x "$GHSEC_TOOLS_DIR/bin/nfpm" ]]; then
  mkdir -p "$GHSEC_TOOLS_DIR/bin"
  GOBIN="$GHSEC_TOOLS_DIR/bin" go install "github.com/goreleaser/nfpm/v2/cmd/nfpm@${V}"
  echo "$V" > "$GHSEC_TOOLS_DIR/bin/.nfpm-version"
fi
