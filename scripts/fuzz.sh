#!/usr/bin/env bash
# The long fuzz run (issue 17): every fuzz target of the module, one after
# the other, for GSYSINT_FUZZTIME each (default 5m; scripts/test.sh runs the
# same targets for 5s): 5 minutes times the number of targets.
#
#   scripts/fuzz.sh                     every target, 5 minutes each
#   GSYSINT_FUZZTIME=30s scripts/fuzz.sh
#   scripts/fuzz.sh ./tracing           the targets of some packages only
#   scripts/fuzz.sh ./dump FuzzProto   one target
#
# A target that fails leaves its input in PKG/testdata/fuzz/TARGET/NAME, and
# `go test -run TARGET/NAME PKG` replays it. Keep every such file, committed
# with the fix: go test runs each as a seed from then on, so that an input
# that once crashed a reader is tried on every run. The run goes on with
# the next target, and exits 1 at the end if any failed.
#
# -fuzzminimizetime is short: minimizing a new input of a multi-kilobyte
# trace or dump for the default 60 s stalls the run.
set -uo pipefail
cd "$(dirname "$0")/.."

ldflags=-ldflags=-checklinkname=0
fuzztime=${GSYSINT_FUZZTIME:-5m}
pkgs=${1:-./...}
only=${2:-}
failed=()

for pkg in $(go list $pkgs); do
  for target in $(go test "$ldflags" -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    if [ -n "$only" ] && [ "$target" != "$only" ]; then
      continue
    fi
    printf '\n== fuzz %s %s for %s (%s)\n' "$pkg" "$target" "$fuzztime" "$(date -u '+%H:%M UTC')"
    if ! go test "$ldflags" -run '^$' -fuzz "^$target\$" -fuzztime "$fuzztime" -fuzzminimizetime 5s "$pkg"; then
      failed+=("$pkg $target")
    fi
  done
done

if [ ${#failed[@]} -gt 0 ]; then
  printf '\n== failed (their inputs are under testdata/fuzz: keep them as seeds):\n'
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
printf '\n== every fuzz target ran %s without a failure\n' "$fuzztime"
