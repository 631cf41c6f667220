#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs what the tests need,
# then checks formatting, vet, staticcheck, runs every test with the race
# detector, then every fuzz target briefly (scripts/fuzz.sh; FUZZTIME, default
# 5s per target), then every figure benchmark once at its tiny size
# (scripts/bench.sh --tiny). .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
export GHSEC_TOOLS_DIR=${GHSEC_TOOLS_DIR:-$HOME/.cache/ghsec-exporter-tools}
bash scripts/setup-test-deps.sh

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [[ -n "$unformatted" ]]; then echo "gofmt would change: $unformatted" >&2; exit 1; fi
echo "== go vet"
go vet ./...
echo "== staticcheck"
"$GHSEC_TOOLS_DIR/bin/staticcheck" ./...
echo "== go test -race (about 8 minutes on 2 cores; skipped tests are listed at the end)"
# -json through testreport: the plain go test view, plus the skipped tests a
# plain run hides (a receiver missing on a developer machine skips its tests).
go build -o "$GHSEC_TOOLS_DIR/bin/testreport" ./scripts/testreport
set +e
go test -race -count=1 -timeout 45m -json ./... | "$GHSEC_TOOLS_DIR/bin/testreport"
rc=("${PIPESTATUS[@]}")
set -e
((rc[0] == 0 && rc[1] == 0))
echo "== fuzz"
FUZZTIME=${FUZZTIME:-5s} bash scripts/fuzz.sh
echo "== figure benchmarks at tiny sizes (scripts/bench.sh --tiny; the real figures: scripts/bench.sh)"
bash scripts/bench.sh --tiny
