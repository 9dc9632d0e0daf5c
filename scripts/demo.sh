#!/usr/bin/env bash
# A short tour on the command line: builds gsysint-demo, parks goroutines
# with a runtime reason and custom text, and reads the results back with
# report, go tool pprof and trace. It works in a new directory, which it
# keeps for you to look further (it says where). Every command is shown as
# it runs: copy one and it runs the same, from that directory, with
# gsysint-demo on your PATH.
#
# GSYSINT_DEMO_BIN=path uses that binary instead of building one (the
# end-to-end test does).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d "${TMPDIR:-/tmp}/gsysint-demo-demo.XXXXXX")
bindir=$(mktemp -d "${TMPDIR:-/tmp}/gsysint-demo-bin.XXXXXX")
trap 'rm -rf "$bindir"' EXIT
if [[ -n "${GSYSINT_DEMO_BIN:-}" ]]; then
	ln -s "$(cd "$(dirname "$GSYSINT_DEMO_BIN")" && pwd)/$(basename "$GSYSINT_DEMO_BIN")" "$bindir/gsysint-demo"
else
	go build -ldflags=-checklinkname=0 -o "$bindir/gsysint-demo" .
fi
PATH="$bindir:$PATH"
cd "$dir"

# show prints a command exactly as it is run, then runs it.
show() {
	printf '\n$ %s\n' "$1"
	bash -o pipefail -c "$1"
}

show 'gsysint-demo park -r "chan receive" -r "waiting for godot" -n 2 --dumps 1 | grep -A1 "^goroutine .*\(godot\|chan receive\)\]"'
show 'gsysint-demo park --debug 0 --dumps 1 -r "waiting for godot" --label job=w7 > g.pb.gz'
show 'go tool pprof -tags g.pb.gz 2>/dev/null'
show 'gsysint-demo report g.pb.gz'
show 'gsysint-demo park --trace t.out --trace-reason "waiting for godot (trace)" --dumps 1 > /dev/null'
show 'gsysint-demo trace t.out --top 1'

printf '\nFiles kept in %s (g.pb.gz, t.out): remove it when done.\n' "$dir"
