#!/usr/bin/env bash
# Every performance figure of the project, each side by side with its ceiling
# or goal in the same run:
#
#   ./scripts/bench.sh                 # 100k and 1M alerts, 3 runs each (long: about an hour on 2 cores)
#   ./scripts/bench.sh --runs 1 --sizes 100000
#   ./scripts/bench.sh --tiny          # every figure once at its tiny size (CI: they cannot rot)
#   ./scripts/bench.sh --only hec,disk # some figures (names as in the FIGURE lines)
#
# Each figure is one Go benchmark, BenchmarkFigure<Name>, that reads its size
# from GHSEC_BENCH_ALERTS (unset: tiny) and reports its figure as a custom
# metric. For every size the script prints each run's value, then
#
#   RUNS <name>@<size> min=<v> median=<v> max=<v>
#
# and ends with one line per figure and size, judged on the median run:
#
#   FIGURE <name>@<size> value=<median> goal=<op><goal> ok|short
#
# --tiny judges nothing: a tiny run only proves each benchmark still runs
# and reports its metric (its values say nothing about the goals, set for
# 100k and 1M alerts), so its lines read
#
#   FIGURE <name>@tiny value=<v> (tiny run: proves the benchmark runs; not judged)
#
# The receivers the benchmarks drive (OTel Collector, syslog-ng and loggen,
# mailpit) are the ones scripts/setup-test-deps.sh installs; the script
# installs them first. Raw `go test -bench` output goes to $BENCH_LOG
# (default: a file under ${TMPDIR:-/tmp}). It exits 1 when a benchmark fails
# or a figure is missing; a figure short of its goal is reported, not an error
# (that is what the figures are for), unless --strict.
set -euo pipefail
cd "$(dirname "$0")/.."
export GHSEC_TOOLS_DIR=${GHSEC_TOOLS_DIR:-$HOME/.cache/ghsec-exporter-tools}

runs=3 sizes="100000 1000000" tiny=0 strict=0 only=""
while (($#)); do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--sizes) sizes=${2//,/ }; shift 2 ;;
	--tiny) tiny=1 runs=1 sizes=tiny; shift ;;
	--strict) strict=1; shift ;;
	--only) only=",$2,"; shift 2 ;;
	-h | --help) sed -n '2,31p' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

# name  benchmark  metric  goal (op value)
figures=(
	"hec            FigureHEC        ratio                >= 0.8"
	"syslog         FigureSyslog     ratio                >= 0.8"
	"azure          FigureAzureMonitor ratio              >= 0.8"
	"azure-heap     FigureAzureMonitor peak-heap-MiB      <= 64"
	"kafka          FigureKafka      ratio                >= 0.8"
	"elasticsearch  FigureElasticsearch ratio             >= 0.8"
	"otlp           FigureOTLP       ratio                >= 0.8"
	"reconcile-heap FigureReconcile  peak-heap-MiB        <= 64"
	"disk           FigureDisk       file-bytes/alert     <= 600"
	"backfill-heap  FigureDisk       peak-heap-MiB        <= 64"
	"backfill       FigureBackfill   alerts/s             >= 50000"
	"backfill-cpu   FigureBackfill   cpu-us/alert         <= 80"
	"digest-heap    FigureDigest     peak-heap-MiB        <= 64"
	"pending        FigurePending    ns/call              <= 10000"
	"snapshot-bytes FigureSteady     snapshot-bytes/alert <= 256"
	"steady-heap    FigureSteady     peak-heap-MiB        <= 64"
	"webhook-heap   FigureWebhookBurst peak-heap-MiB      <= 64"
	"scrape         FigureScrape     scrape-ms            <= 100"
	"scrape-heap    FigureScrape     heap-MiB             <= 64"
)

if [[ -n $only ]]; then
	keep=()
	for line in "${figures[@]}"; do
		read -r name _ <<<"$line"
		[[ $only == *",$name,"* ]] && keep+=("$line")
	done
	figures=("${keep[@]}")
	((${#figures[@]})) || { echo "bench.sh: --only names no figure" >&2; exit 2; }
fi

bash scripts/setup-test-deps.sh >/dev/null

log=${BENCH_LOG:-$(mktemp "${TMPDIR:-/tmp}/ghsec-bench.XXXXXX")}
: >"$log"
echo "bench.sh: raw output in $log" >&2

# pkgof prints the package directory that defines func Benchmark<bench>.
pkgof() {
	local f
	f=$(grep -rl --include='*_test.go' "^func Benchmark$1(" . | head -1)
	[[ -n $f ]] && dirname "$f"
}

declare -A ran=()
failed=0
results=$(mktemp) && trap 'rm -f "$results"' EXIT
for size in $sizes; do
	for line in "${figures[@]}"; do
		read -r _ bench _ <<<"$line"
		[[ -n ${ran[$bench@$size]:-} ]] && continue
		ran[$bench@$size]=1
		pkg=$(pkgof "$bench") || { echo "bench.sh: no func Benchmark$bench" >&2; failed=1; continue; }
		echo "== Benchmark$bench ($pkg) at $size alerts, $runs run(s)" >&2
		env=()
		[[ $size != tiny ]] && env=(GHSEC_BENCH_ALERTS="$size")
		out=$(mktemp)
		if ! env "${env[@]}" go test -run '^$' -bench "^Benchmark$bench\$" -benchtime 1x -count "$runs" -timeout 3h "$pkg" >"$out" 2>&1; then
			echo "bench.sh: Benchmark$bench failed at $size (see $log)" >&2
			failed=1
		fi
		cat "$out" >>"$log"
		# one line per run: "<bench>@<size> <value> <unit> <value> <unit> ..."
		grep -E "^Benchmark$bench(-[0-9]+)?[[:space:]]" "$out" |
			awk -v key="$bench@$size" '{ printf "%s", key; for (i = 3; i < NF; i += 2) printf " %s %s", $i, $(i+1); print "" }' >>"$results" || true
		rm -f "$out"
	done
done

summary=()
for size in $sizes; do
	for line in "${figures[@]}"; do
		read -r name bench metric op goal <<<"$line"
		vals=$(awk -v key="$bench@$size" -v m="$metric" '$1 == key { for (i = 2; i < NF; i += 2) if ($(i+1) == m) print $i }' "$results" | sort -g)
		if [[ -z $vals ]]; then
			echo "bench.sh: no $metric from Benchmark$bench at $size" >&2
			failed=1
			continue
		fi
		echo "$vals" | sed "s|^|run $name@$size $metric=|"
		stats=$(echo "$vals" | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%s %s %s", v[1], m, v[NR] }')
		read -r lo med hi <<<"$stats"
		echo "RUNS $name@$size min=$lo median=$med max=$hi"
		if [[ $size == tiny ]]; then
			summary+=("FIGURE $name@$size value=$med (tiny run: proves the benchmark runs; not judged)")
			continue
		fi
		verdict=$(awk -v v="$med" -v op="$op" -v g="$goal" 'BEGIN { ok = (op == ">=") ? (v >= g) : (v <= g); print ok ? "ok" : "short" }')
		summary+=("FIGURE $name@$size value=$med goal=$op$goal $verdict")
	done
done
printf '%s\n' "${summary[@]}"
if ((failed)); then exit 1; fi
if ((strict)) && printf '%s\n' "${summary[@]}" | grep -q ' short$'; then exit 1; fi
