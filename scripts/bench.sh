#!/usr/bin/env bash
# The benchmark: gsysint-demo against its baselines, side by side, in one run
# (issue 7, and the Performance section of issue 4). See BENCHMARKS.md.
#
#   scripts/bench.sh            full run, Go 1.26 (installed) and Go 1.27.3 (~15 min)
#   scripts/bench.sh --quick    small counts, one rep each (~2 min)
#   scripts/bench.sh --go local         only the installed toolchain
#   scripts/bench.sh --go go1.27.3      only Go 1.27.3 (GSYSINT_BENCH_GO does the same)
#   scripts/bench.sh --reps 5           more runs of each pair
#
# For each toolchain it builds gsysint-demo as a release (scripts/build.sh:
# static, -ldflags=-checklinkname=0), the same with a plain go build (timed
# on the report rows too), bench/baseline and bench/deps (the dependencies
# alone); panicparse's pp is installed once into a
# temporary GOBIN (never a module dependency). bench/runner then runs each
# pair alternately --reps times and prints a Markdown table of medians and
# ratios, followed by every sample; bench/httpload then measures --http
# under many clients (peak memory and CPU ratios, issue 17). Timings are ratios within one run: the
# machine is shared, so absolute times vary from run to run.
set -euo pipefail
cd "$(dirname "$0")/.."

ldflags=-ldflags=-checklinkname=0
toolchains=${GSYSINT_BENCH_GO:-"local go1.27.3"}
quick=0
reps=
pp_version=v2.5.0

while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --go) toolchains=${2:?--go wants local, go1.27.3 or "local go1.27.3"}; shift ;;
    --go=*) toolchains=${1#--go=} ;;
    --reps) reps=${2:?--reps wants a number}; shift ;;
    --reps=*) reps=${1#--reps=} ;;
    -h|--help) sed -n '2,/^set -/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument $1 (want --quick, --go TOOLCHAINS, --reps N)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$quick" = 1 ]; then
  counts=(-reps "${reps:-1}" -park 100000 -dump 100000 -dumps 2 -report 10000 -pp-default-max 10000 -http 100000 -http-reps 2)
  census_bench='Census100k$' census_times=1x
else
  counts=(-reps "${reps:-3}" -park 1000000 -dump 100000,1000000 -dumps 3 -pprof-dumps-1m 1 -report 10000,100000 -pp-default-max 100000 -http 100000 -http-reps 9)
  census_bench='Census(100k|1M)$|GroupsHeap1M' census_times=3x
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gsysint-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "# gsysint-demo benchmark ($(date -u '+%Y-%m-%d %H:%M UTC')$([ "$quick" = 1 ] && echo ', --quick'))"
echo
echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) memory ($(awk '/MemAvailable/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) available at start), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- kernel: $(uname -sr); transparent huge pages: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown)"

# The runner and pp are built once, by the installed toolchain: they only
# measure.
GOTOOLCHAIN=local go build "$ldflags" -o "$work/runner" ./bench/runner
GOTOOLCHAIN=local go build "$ldflags" -o "$work/httpload" ./bench/httpload
pp="$work/gobin/pp"
if ! GOTOOLCHAIN=local GOBIN="$work/gobin" go install "github.com/maruel/panicparse/v2/cmd/pp@$pp_version" 2>"$work/pp.log"; then
  echo "- panicparse pp $pp_version: could not be installed, report rows skipped ($(tail -1 "$work/pp.log"))"
  pp=
else
  echo "- panicparse pp $pp_version, run as \`pp FILE\` and \`pp -aggressive FILE\`, stdout to /dev/null, and as \`pp -html OUT FILE\` against \`report --html OUT FILE\`"
fi

for tc in $toolchains; do
  bin="$work/$tc"
  mkdir -p "$bin"
  version=$(GOTOOLCHAIN=$tc go env GOVERSION)
  echo "- building with $version (GOTOOLCHAIN=$tc)" >&2
  # The release build (scripts/build.sh) is measured throughout; the plain
  # go build of the README is timed on the report rows too. The baseline and
  # bench/deps are built like the release.
  GOTOOLCHAIN=$tc scripts/build.sh "$bin/gsysint-demo"
  GOTOOLCHAIN=$tc go build "$ldflags" -o "$bin/gsysint-demo-plain" .
  GOTOOLCHAIN=$tc CGO_ENABLED=0 go build "$ldflags" -o "$bin/baseline" ./bench/baseline
  GOTOOLCHAIN=$tc CGO_ENABLED=0 go build -tags urfave_cli_no_docs "$ldflags" -o "$bin/deps" ./bench/deps
  "$work/runner" -gsd "$bin/gsysint-demo" -gsd-plain "$bin/gsysint-demo-plain" -deps "$bin/deps" \
    -baseline "$bin/baseline" -pp "$pp" -work "$bin" \
    -label "$version ($(GOTOOLCHAIN=$tc go env GOOS)/$(GOTOOLCHAIN=$tc go env GOARCH), GOTOOLCHAIN=$tc)" "${counts[@]}"
  rm -f "$bin"/goroutines-*.txt
  # park --http under many clients (issue 17): peak memory of 200
  # concurrent debug=2 requests against one, CPU after 300 hang up.
  echo
  echo "--http under many clients, $version:"
  "$work/httpload" -gsd "$bin/gsysint-demo" -n 100000 -clients 200 -drop 300
  # The census against one pre-sized runtime.Stack of the same goroutines,
  # in one go test process (census/bench_test.go): census-ms, stack-ms and
  # their ratio, stop-the-world pauses counted during each, and the heap a
  # grouped census of 1M goroutines keeps (retained-B).
  echo
  echo "### census ($version): go test -bench ./census"
  echo
  echo '```'
  GOTOOLCHAIN=$tc go test "$ldflags" -run '^$' -bench "$census_bench" -benchtime "$census_times" ./census | grep '^Benchmark'
  echo '```'
done
