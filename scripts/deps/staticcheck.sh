#!/usr/bin/env bash
# staticcheck, pinned.
set -euo pipefail
V=v0.8.2   # honnef.co/go/tools module version (staticcheck 2026.x)
: "${GHSEC_TOOLS_DIR:?}"
if [[ "$(cat "$GHSEC_TOOLS_DIR/bin/.staticcheck-version" 2>/dev/null)" != "$V" ]]; then
  GOBIN="$GHSEC_TOOLS_DIR/bin" go install "honnef.co/go/tools/cmd/staticcheck@${V%% *}"
  echo "$V" > "$GHSEC_TOOLS_DIR/bin/.staticcheck-version"
fi
