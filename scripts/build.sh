#!/usr/bin/env bash
# Builds gsysint-demo the way a release is built:
#
#   scripts/build.sh [OUTPUT]     (default ./gsysint-demo; GOTOOLCHAIN is honoured)
#
# - CGO_ENABLED=0: a static binary. With cgo, package net's resolver links
#   libc, and every start pays for the dynamic loader (~4 ms on our machines).
# - -tags urfave_cli_no_docs: leaves out urfave/cli's Markdown and man-page
#   generators (and blackfriday with them), which the tool never calls but
#   whose package initialisation every start would run.
# - -ldflags=-checklinkname=0, as every build of this project needs.
#
# The symbol table is kept: the start-up check of package linked reads the
# sizes of the runtime's reason tables from it.
set -euo pipefail
out=$(realpath -m "${1:-gsysint-demo}")
cd "$(dirname "$0")/.."
CGO_ENABLED=0 go build -tags urfave_cli_no_docs -ldflags=-checklinkname=0 -o "$out" .
