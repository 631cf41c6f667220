#!/usr/bin/env bash
# GitHub's OpenAPI descriptions (api.github.com, ghec, ghes-3.17/3.18/3.19, via
# Octokit's npm package) and Octokit's webhook example payloads, pinned. Tests in
# exporter/internal/openapicheck read them from "$GHSEC_TOOLS_DIR/npm/node_modules".
# About 5 s and 385 MB on first install; a stamp file makes reruns a no-op.
set -euo pipefail
: "${GHSEC_TOOLS_DIR:?}"
PKGS=(@octokit/openapi@23.0.2 @octokit/webhooks-examples@7.6.1)
DIR="$GHSEC_TOOLS_DIR/npm"
STAMP="$DIR/.npm-github-version"
want="${PKGS[*]}"
if [[ "$(cat "$STAMP" 2>/dev/null)" == "$want" \
   && -f "$DIR/node_modules/@octokit/openapi/generated/ghec.json" \
   && -d "$DIR/node_modules/@octokit/webhooks-examples" ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm-github.sh: npm not found (install nodejs/npm)" >&2; exit 1; }
mkdir -p "$DIR"
# --no-save keeps no package.json churn; --ignore-scripts: data-only packages.
npm install --prefix "$DIR" --no-audit --no-fund --ignore-scripts --no-save "${PKGS[@]}"
echo "$want" > "$STAMP"
