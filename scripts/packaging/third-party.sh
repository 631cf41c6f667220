#!/usr/bin/env bash
# Writes the licence notices of every third-party module linked into a
# built ghsec-exporter binary to stdout: the modules named by the binary's
# own build information (`go version -m`), each with the full text of its
# LICENSE / COPYING / NOTICE files from the module cache. The BSD, MIT and
# Apache licences of those modules ask that a binary distribution carry
# their notices; scripts/package.sh ships the result as
# /usr/share/doc/ghsec-exporter/THIRD_PARTY_LICENSES.
#
#   bash scripts/packaging/third-party.sh dist/ghsec-exporter-linux-amd64 > dist/THIRD_PARTY_LICENSES
#
# A module without a licence file at its root has its licence taken from
# the header comment of its source files; a module with neither fails the
# script, naming it, so that a package never ships without a notice.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:?usage: third-party.sh BINARY}

# "dep" lines, and "=>" replacement lines (the module actually linked)
mapfile -t mods < <(go version -m "$bin" | awk '$1 == "dep" || $1 == "=>" { print $2 "@" $3 }' | sort -u)
if ((${#mods[@]} == 0)); then
  echo "third-party.sh: $bin names no dependency modules (built without module information?)" >&2
  exit 1
fi

echo "Third-party software in ghsec-exporter"
echo "======================================"
echo
echo "The ghsec-exporter binary links these ${#mods[@]} Go modules. Each one's licence and"
echo "notice files follow, as its authors ship them."
echo
printf '  %s\n' "${mods[@]}"
for m in "${mods[@]}"; do
  dir=$(go mod download -json "$m" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  if [[ -z $dir || ! -d $dir ]]; then
    echo "third-party.sh: module $m is not in the module cache" >&2
    exit 1
  fi
  mapfile -t files < <(find "$dir" -maxdepth 1 -type f \( -iname 'licen[cs]e*' -o -iname 'copying*' -o -iname 'notice*' \) | sort)
  echo
  echo "================================================================================"
  echo "Module: $m"
  echo "================================================================================"
  if ((${#files[@]} > 0)); then
    for f in "${files[@]}"; do
      echo
      echo "== ${f#"$dir"/}"
      echo
      cat "$f"
    done
    continue
  fi
  # no licence file: the licence header (the comments above the package
  # clause) of the first of its Go sources that has one
  header=""
  while IFS= read -r src; do
    header=$(awk '/^package / { exit } { print }' "$src")
    if grep -qE 'Licensed under|Permission is hereby granted|Redistribution and use' <<<"$header"; then
      break
    fi
    header=""
  done < <(find "$dir" -name '*.go' ! -name '*_test.go' | sort)
  if [[ -z $header ]]; then
    echo "third-party.sh: module $m has no licence file and no licence header in its sources" >&2
    exit 1
  fi
  echo
  echo "== (no licence file in the module; the licence header of ${src#"$dir"/})"
  echo
  echo "$header"
done
