# Sourced by the scripts in scripts/deps (it is not one of them: the setup
# runs only scripts/deps/*.sh). go_install NAME PACKAGE VERSION installs
# PACKAGE@VERSION as $GHSEC_TOOLS_DIR/bin/NAME with `go install`, unless a
# stamp file says that version is there already and the binary is.

go_install() {
  local name=$1 pkg=$2 v=$3
  local bin="${GHSEC_TOOLS_DIR:?}/bin"
  if [[ "$(cat "$bin/.$name-version" 2>/dev/null)" != "$v" || ! -x "$bin/$name" ]]; then
    mkdir -p "$bin"
    GOBIN="$bin" go install "$pkg@$v"
    echo "$v" > "$bin/.$name-version"
  fi
}
