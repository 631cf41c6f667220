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
    # No service a package ships (prometheus, rsyslog) is started by the
    # install: the tests start their own instances on free ports.
    norc=""
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && norc=1
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    if [[ -n $norc ]]; then rm -f /usr/sbin/policy-rc.d; fi
  fi
fi

# The parts run in parallel in the background, each logging to
# $GHSEC_TOOLS_DIR/<part>.setup.log; the console gets a line when a part
# finishes and, every 20 s, what is still running and its latest log line.
log "logs: $GHSEC_TOOLS_DIR/<part>.setup.log (a first run takes several minutes)"
rcdir=$(mktemp -d)
trap 'rm -rf "$rcdir"' EXIT
parts=()
for s in scripts/deps/*.sh; do
  name=$(basename "$s" .sh)
  log "start $name"
  ( rc=0; bash "$s" > "$GHSEC_TOOLS_DIR/$name.setup.log" 2>&1 || rc=$?; echo "$rc" > "$rcdir/$name" ) &
  parts+=("$name")
done
start=$SECONDS; last=$SECONDS; fail=0
declare -A finished=()
while ((${#finished[@]} < ${#parts[@]})); do
  for name in "${parts[@]}"; do
    [[ -n ${finished[$name]:-} || ! -s "$rcdir/$name" ]] && continue
    finished[$name]=1
    rc=$(<"$rcdir/$name")
    if [[ $rc == 0 ]]; then
      log "ok   $name ($((SECONDS - start))s)"
    else
      log "FAIL $name (exit $rc); last lines of $GHSEC_TOOLS_DIR/$name.setup.log:" >&2
      tail -n 40 "$GHSEC_TOOLS_DIR/$name.setup.log" >&2
      fail=1
    fi
  done
  if ((${#finished[@]} < ${#parts[@]} && SECONDS - last >= 20)); then
    last=$SECONDS
    for name in "${parts[@]}"; do
      [[ -n ${finished[$name]:-} ]] && continue
      line=$(tail -n 1 "$GHSEC_TOOLS_DIR/$name.setup.log" 2>/dev/null | tr -d '\r' | cut -c1-100)
      log "...  $name still running ($((SECONDS - start))s): ${line:-no output yet}"
    done
  fi
  ((${#finished[@]} < ${#parts[@]})) && sleep 1
done
wait
((fail == 0)) || exit 1
log "done in $((SECONDS - start))s"
