#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs what the tests need,
# then checks formatting, vet, staticcheck, runs every test with the race
# detector, then every fuzz target briefly (scripts/fuzz.sh; FUZZTIME, default
# 5s per target), then every figure benchmark once at its tiny size
# (scripts/bench.sh --tiny). .ci/run calls exactly this.
#
# It ends with how long each part took and, as its last line, the tests'
# counts: "N passed, N failed, N skipped" (subtests included; printed
# whenever the tests ran, also when a later part failed).
set -euo pipefail
cd "$(dirname "$0")/.."
export GHSEC_TOOLS_DIR=${GHSEC_TOOLS_DIR:-$HOME/.cache/ghsec-exporter-tools}

counts=$(mktemp)
times=() part="" part_start=$SECONDS
# part NAME: a part begins (and the one before it ends)
part() {
  [[ -n $part ]] && times+=("$part $((SECONDS - part_start))s")
  part=$1 part_start=$SECONDS
  [[ -n $part ]] && echo "== $part${2:+ ($2)}"
  return 0
}
finish() {
  part ""
  echo
  echo "== took: $(IFS=,; echo "${times[*]}" | sed 's/,/, /g')"
  [[ -s $counts ]] && cat "$counts"
  rm -f "$counts"
}
trap finish EXIT

part setup "installs what is missing: several minutes the first time, seconds after"
bash scripts/setup-test-deps.sh

part gofmt
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [[ -n "$unformatted" ]]; then echo "gofmt would change: $unformatted" >&2; exit 1; fi
part "go vet"
go vet ./...
part staticcheck
"$GHSEC_TOOLS_DIR/bin/staticcheck" ./...
part "go test -race" "about 8 minutes on 2 cores; skipped tests are listed at the end"
# -json through testreport: the plain go test view, plus the skipped tests a
# plain run hides (a receiver missing on a developer machine skips its
# tests) and the counts.
go build -o "$GHSEC_TOOLS_DIR/bin/testreport" ./scripts/testreport
set +e
go test -race -count=1 -timeout 45m -json ./... | "$GHSEC_TOOLS_DIR/bin/testreport" -summary "$counts"
rc=("${PIPESTATUS[@]}")
set -e
((rc[0] == 0 && rc[1] == 0))
part fuzz "every target ${FUZZTIME:-5s} on top of its seed corpus"
FUZZTIME=${FUZZTIME:-5s} bash scripts/fuzz.sh
part "figure benchmarks" "each once at its tiny size: proves they run, judges nothing (the real figures: scripts/bench.sh)"
bash scripts/bench.sh --tiny
