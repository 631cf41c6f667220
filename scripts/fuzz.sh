#!/usr/bin/env bash
# Runs every Go fuzz target in the tree (each `func FuzzXxx(f *testing.F)` in
# a _test.go file), one after the other, each for FUZZTIME on top of its seed
# corpus (testdata/fuzz/FuzzXxx). Fails when any target finds an input that
# breaks it; the input is written to that package's testdata/fuzz/FuzzXxx/,
# where it stays as a regression seed once committed.
#
#   ./scripts/fuzz.sh                     # every target, 5s each (what CI runs)
#   FUZZTIME=10m ./scripts/fuzz.sh        # a long run
#   FUZZTIME=2m ./scripts/fuzz.sh Config  # only targets whose name matches
#
# FUZZMINIMIZETIME bounds minimizing each new input (go test -fuzzminimizetime).
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-5s}
minimize=${FUZZMINIMIZETIME:-10s}
filter=${1:-.}

targets=()
while IFS= read -r hit; do
	file=${hit%%:*} name=${hit#*:func }
	name=${name%%(*}
	dir=$(dirname "$file")
	[[ $name =~ $filter ]] && targets+=("${dir#./} $name")
done < <(grep -rEo --include='*_test.go' --exclude-dir=.git --exclude-dir=vendor --exclude-dir=testdata \
	'^func Fuzz[A-Za-z0-9_]*\([A-Za-z_][A-Za-z0-9_]* \*testing\.F\)' . | sort -u)
if [[ ${#targets[@]} -eq 0 ]]; then
	echo "fuzz: no target matches ${filter}" >&2
	exit 1
fi

echo "fuzz: ${#targets[@]} targets, ${fuzztime} each"
failed=()
for t in "${targets[@]}"; do
	pkg=${t% *} name=${t#* }
	echo "== fuzz ${name} (./${pkg}/)"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "${fuzztime}" -fuzzminimizetime "${minimize}" "./${pkg}/" 2>&1 |
		{ grep -vE '^fuzz: elapsed: .*(gathering baseline|testing seed corpus)' || true; }; then
		failed+=("${name} (./${pkg}/)")
	fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
	printf 'fuzz: FAILED %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz: all ${#targets[@]} targets passed"
