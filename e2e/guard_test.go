package e2e

import (
	"os"
	"strings"
	"testing"
)

// On a platform (or Go version) without a vetted runtime layout, package
// linked does not compile, and the one error names what to do.
func TestUnvettedPlatformDoesNotCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles the standard library for darwin/arm64 once")
	}
	env := append(os.Environ(), "GOOS=darwin", "GOARCH=arm64", "CGO_ENABLED=0")
	r := execute(t, env, nil, "", goTool, "build", "-ldflags=-checklinkname=0", "-o", os.DevNull, "gsysint-demo/linked")
	if r.code == 0 {
		t.Fatalf("built for darwin/arm64, which was never vetted:\n%v", r)
	}
	const guard = "undefined: gsysintDemoIsNotVettedForThisGoVersionOrArch_SeeREADME"
	if !strings.Contains(r.stderr, guard) || strings.Count(r.stderr, "undefined:") != 1 {
		t.Fatalf("want exactly one error, %q:\n%v", guard, r)
	}
}
