#!/usr/bin/env bash
# The test command (README, .ci/run): formatting, vet and staticcheck, then
# every test on Go 1.26 (the installed toolchain) and again on Go 1.27.3
# (fetched through the module proxy by GOTOOLCHAIN), the engine under -race,
# and each fuzz target briefly. The browser tests need Chromium: when none
# is on PATH it is installed (as root, apt-get install chromium-headless-shell);
# without one they skip, or fail under CI=true.
# e2e's TestMemoryLimitCgroup runs park in a memory cgroup it makes under
# its own (root and a read-write memory controller); without them it skips,
# or fails under CI=true as root with the controller mounted read-write.
#
# Every go command carries -ldflags=-checklinkname=0: package linked pulls
# runtime symbols the runtime does not push, which the linker refuses
# without it since Go 1.23.
#
#   GSYSINT_TOOLCHAINS="local"  only the installed toolchain
#   GSYSINT_FUZZTIME=10s        how long each fuzz target runs (0 skips them;
#                               scripts/fuzz.sh is the long run, 5m a target)
#   GSYSINT_STRESS=N            multiplies the stress test's goroutines
set -euo pipefail
cd "$(dirname "$0")/.."

ldflags=-ldflags=-checklinkname=0
toolchains=${GSYSINT_TOOLCHAINS:-"local go1.27.3"}
fuzztime=${GSYSINT_FUZZTIME:-5s}
staticcheck_version=v0.8.2

step() { printf '\n== %s\n' "$*"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/gsysint-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "staticcheck $staticcheck_version"
bin="${XDG_CACHE_HOME:-$HOME/.cache}/gsysint-demo/bin"
if ! "$bin/staticcheck" -version 2>/dev/null | grep -q "(${staticcheck_version#v})"; then
  GOTOOLCHAIN=local GOBIN="$bin" go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
fi
GOTOOLCHAIN=local GOFLAGS="$ldflags" "$bin/staticcheck" ./...

# dump and tracing read and write dumps and traces without the runtime
# bindings, so they build everywhere; this compiles their BSD and other-OS
# files (linked builds only where it was vetted: e2e's guard test).
step "cross-build: dump, series and tracing for darwin/arm64 and windows/amd64"
for target in darwin/arm64 windows/amd64; do
  GOOS=${target%/*} GOARCH=${target#*/} CGO_ENABLED=0 go build "$ldflags" ./dump/... ./series/... ./tracing/...
done

step "browser for the browser tests (e2e/browser_test.go)"
browser=""
for name in chromium-headless-shell chromium; do
  browser=$(command -v "$name" || true)
  [ -n "$browser" ] && break
done
if [ -z "$browser" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "no Chromium on PATH: installing Debian's chromium-headless-shell with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell
    browser=$(command -v chromium-headless-shell)
  else
    echo "no Chromium on PATH, and not root with apt-get to install it: the browser tests skip (under CI=true they fail)"
  fi
fi
[ -n "$browser" ] && echo "browser: $browser ($("$browser" --version 2>/dev/null || echo "version unknown"))"

for tc in $toolchains; do
  export GOTOOLCHAIN=$tc
  step "$(go version) (GOTOOLCHAIN=$tc)"
  go vet "$ldflags" ./...
  go test "$ldflags" -count=1 ./...
  step "release build: scripts/build.sh (GOTOOLCHAIN=$tc)"
  scripts/build.sh "$work/gsysint-demo-$tc"
  "$work/gsysint-demo-$tc" version
  step "race: engine packages (GOTOOLCHAIN=$tc)"
  go test "$ldflags" -race -count=1 ./linked/... ./park/... ./census/... ./dump/... ./series/... ./tracing/... ./web/...
done
export GOTOOLCHAIN=local

# The real-dump corpus (dumps other people and programs wrote) lives beside
# the repository, not in it: a user's clone has none.
if [ -x ../shared/corpus/check.sh ]; then
  step "real-dump corpus: ../shared/corpus/check.sh"
  go build "$ldflags" -o "$work/gsysint-demo-corpus" .
  ../shared/corpus/check.sh "$work/gsysint-demo-corpus"
else
  step "real-dump corpus: SKIPPED (no ../shared/corpus/check.sh beside the repository)"
fi

if [ "$fuzztime" != 0 ]; then
  for pkg in $(go list ./...); do
    for target in $(go test "$ldflags" -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
      step "fuzz $pkg $target for $fuzztime"
      go test "$ldflags" -run '^$' -fuzz "^$target\$" -fuzztime "$fuzztime" -fuzzminimizetime 2s "$pkg"
    done
  done
fi

step "all tests passed"
