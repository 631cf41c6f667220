# Sourced by the scripts in scripts/deps (it is not one of them: the setup
# runs only scripts/deps/*.sh). go_install NAME PACKAGE VERSION [HOW_LONG]
# installs PACKAGE@VERSION as $GHSEC_TOOLS_DIR/bin/NAME with `go install`,
# unless a stamp file says that version is there already and the binary is.
#
# A first install downloads and compiles the tool, which can take minutes
# (nfpm: about 4 on 2 cores) with nothing on the terminal, so it says what
# it does and how long it may take (HOW_LONG), and prints a progress line
# every $GHSEC_PROGRESS_EVERY seconds (default 20): the packages compiled so
# far and the latest one. On failure it prints the end of go's output.

go_install() {
  local name=$1 pkg=$2 v=$3 how_long=${4:-}
  local bin="${GHSEC_TOOLS_DIR:?}/bin"
  if [[ "$(cat "$bin/.$name-version" 2>/dev/null)" == "$v" && -x "$bin/$name" ]]; then
    return 0
  fi
  mkdir -p "$bin"
  local every=${GHSEC_PROGRESS_EVERY:-20} out rc=0 start=$SECONDS last=$SECONDS
  echo "$name: installing $v with go install (first run only: it downloads and compiles $pkg${how_long:+, $how_long}); progress every ${every}s"
  out=$(mktemp)
  # -v: go prints each package as it compiles it, which is the progress
  GOBIN="$bin" go install -v "$pkg@$v" >"$out" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS - last >= every)) && kill -0 "$pid" 2>/dev/null; then
      last=$SECONDS
      local built latest
      built=$(grep -vc '^go: ' "$out" || true)
      latest=$(grep -v '^go: ' "$out" | tail -n 1 | cut -c1-80)
      echo "$name: still compiling ($((SECONDS - start))s): $built packages built${latest:+, latest $latest}"
    fi
  done
  wait "$pid" || rc=$?
  if ((rc != 0)); then
    echo "$name: go install $pkg@$v failed (exit $rc):" >&2
    tail -n 40 "$out" >&2
    rm -f "$out"
    return "$rc"
  fi
  rm -f "$out"
  echo "$v" > "$bin/.$name-version"
  echo "$name: installed $v in $((SECONDS - start))s"
}
