#!/usr/bin/env bash
# mailpit, pinned: the real SMTP server (STARTTLS/implicit TLS, AUTH, REST API,
# chaos failure injection) that the email sink's integration tests talk to.
set -euo pipefail
V=v1.27.11
: "${GHSEC_TOOLS_DIR:?}"
if [[ "$(cat "$GHSEC_TOOLS_DIR/bin/.mailpit-version" 2>/dev/null)" != "$V" || ! -x "$GHSEC_TOOLS_DIR/bin/mailpit" ]]; then
  mkdir -p "$GHSEC_TOOLS_DIR/bin"
  GOBIN="$GHSEC_TOOLS_DIR/bin" go install "github.com/axllent/mailpit@${V}"
  echo "$V" > "$GHSEC_TOOLS_DIR/bin/.mailpit-version"
fi
