#!/usr/bin/env bash
# Installs everything the test suite needs, idempotently, into $GHSEC_TOOLS_DIR
# (default ~/.cache/ghsec-exporter-tools): the real receivers (rsyslog,
# syslog-ng, mailpit, the OpenTelemetry Collector's splunk_hec receiver), the
# npm packages with GitHub's OpenAPI descriptions and webhook examples,
# staticcheck, nfpm (the packages) and a Debian root that the unit is tested
# in under systemd-nspawn. Each part is one script under scripts/deps/; they run in parallel.
set -euo pipefail
cd "$(dirname "$0")/.."
export GHSEC_TOOLS_DIR=${GHSEC_TOOLS_DIR:-$HOME/.cache/ghsec-exporter-tools}
mkdir -p "$GHSEC_TOOLS_DIR/bin"
log() { printf '[setup-test-deps %(%T)T] %s\n' -1 "$*"; }

# apt first and alone: several parts need Debian packages and dpkg takes one lock.
if [[ -f scripts/deps/apt-packages.txt ]]; then
  mapfile -t pkgs < <(grep -v '^#' scripts/deps/apt-packages.txt | tr ' ' '\n' | grep -v '^$')
  missing=()
  for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

pids=(); names=()
for s in scripts/deps/*.sh; do
  log "start $(basename "$s")"
  bash "$s" > "$GHSEC_TOOLS_DIR/$(basename "$s" .sh).setup.log" 2>&1 &
  pids+=($!); names+=("$s")
done
fail=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "setup step ${names[$i]} failed:" >&2
    tail -n 40 "$GHSEC_TOOLS_DIR/$(basename "${names[$i]}" .sh).setup.log" >&2
    fail=1
  fi
done
((fail == 0)) || exit 1
log "done"
