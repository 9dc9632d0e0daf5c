#!/usr/bin/env bash
# A short tour on the command line: builds gsysint-demo, parks goroutines
# with a runtime reason and custom text, and reads the results back with
# report, go tool pprof and trace. Files go to a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bin="$dir/gsysint-demo"
go build -ldflags=-checklinkname=0 -o "$bin" .

say() { printf '\n$ %s\n' "$*"; }

say gsysint-demo park -r "chan receive" -r "waiting for godot" -n 2 --dumps 1 \| grep -A1 "^goroutine .*\\(godot\\|chan receive\\)\\]"
"$bin" park -r "chan receive" -r "waiting for godot" -n 2 --dumps 1 | grep -A1 '^goroutine .*\(godot\|chan receive\)\]'

say gsysint-demo park --debug 0 --dumps 1 -r "waiting for godot" --label job=w7 \> g.pb.gz
"$bin" park --debug 0 --dumps 1 -r "waiting for godot" --label job=w7 > "$dir/g.pb.gz"
say go tool pprof -tags g.pb.gz
go tool pprof -tags "$dir/g.pb.gz" 2>/dev/null
say gsysint-demo report g.pb.gz
"$bin" report "$dir/g.pb.gz"

say gsysint-demo park --trace t.out --trace-reason "waiting for godot (trace)" --dumps 1 \> /dev/null
"$bin" park --trace "$dir/t.out" --trace-reason "waiting for godot (trace)" --dumps 1 > /dev/null
say gsysint-demo trace t.out --top 1
"$bin" trace "$dir/t.out" --top 1
