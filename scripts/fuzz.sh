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
minimize=${FUZZMINIMIZETIME:-2s}
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

# run_target PKG NAME: 0 passed, 1 failed, 2 Go's fuzz coordinator reported
# "context deadline exceeded" at the -fuzztime boundary with no failing input
# (golang/go#75804: a race in internal/fuzz, unfixed in go1.26): not a finding.
run_target() {
	local pkg=$1 name=$2 corpus="./$1/testdata/fuzz/$2" out rc before after
	before=$(ls "$corpus" 2>/dev/null || true)
	out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "${fuzztime}" -fuzzminimizetime "${minimize}" "./${pkg}/" 2>&1) && rc=0 || rc=$?
	grep -vE '^fuzz: elapsed: .*(gathering baseline|testing seed corpus)' <<<"$out" || true
	((rc == 0)) && return 0
	after=$(ls "$corpus" 2>/dev/null || true)
	if [[ $before == "$after" ]] && grep -qxE '[[:space:]]+context deadline exceeded' <<<"$out" &&
		! grep -q 'Failing input written' <<<"$out"; then
		return 2
	fi
	return 1
}

echo "fuzz: ${#targets[@]} targets, ${fuzztime} each"
failed=() flaked=()
for t in "${targets[@]}"; do
	pkg=${t% *} name=${t#* }
	echo "== fuzz ${name} (./${pkg}/)"
	run_target "$pkg" "$name" && rc=0 || rc=$?
	if ((rc == 2)); then
		echo "fuzz: ${name}: Go's fuzz coordinator hit its -fuzztime deadline race (golang/go#75804), no input failed; running it again"
		run_target "$pkg" "$name" && rc=0 || rc=$?
		if ((rc == 2)); then
			flaked+=("${name} (./${pkg}/)")
			rc=0
		fi
	fi
	((rc == 0)) || failed+=("${name} (./${pkg}/)")
done
if ((${#flaked[@]})); then
	printf 'fuzz: WARNING %s stopped twice on the Go fuzz deadline race (golang/go#75804) without a failing input\n' "${flaked[@]}" >&2
fi
if [[ ${#failed[@]} -gt 0 ]]; then
	printf 'fuzz: FAILED %s\n' "${failed[@]}" >&2
	exit 1
fi
if ((${#flaked[@]})); then
	echo "fuzz: no target failed; ${#flaked[@]} of ${#targets[@]} stopped on the Go fuzz deadline race (see the warning)"
else
	echo "fuzz: all ${#targets[@]} targets passed"
fi
