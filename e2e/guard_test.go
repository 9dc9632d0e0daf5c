package e2e

import (
	"os"
	"strings"
	"testing"
)

// On a platform or Go version without a vetted runtime layout, package
// linked does not compile, and the compiler's one error is the identifier
// that says what to do (linked/unsupported.go declares everything the
// per-version files define, so the generic code raises nothing else). The
// next Go version is faked with its release tag, which the go command adds
// to the ones it knows. GOEXPERIMENT=staticlockranking is refused the same
// way, with its own identifier.
func TestUnvettedPlatformDoesNotCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the standard library for darwin/arm64 and for GOEXPERIMENT=staticlockranking once")
	}
	const (
		unvetted    = "undefined: gsysintDemoIsNotVettedForThisGoVersionOrArch_SeeREADME"
		lockRanking = "undefined: gsysintDemoDoesNotSupportGOEXPERIMENT_staticlockranking_buildWithoutIt"
	)
	for _, tc := range []struct {
		name  string
		env   []string
		args  []string
		guard string
	}{
		{"darwin/arm64", []string{"GOOS=darwin", "GOARCH=arm64", "CGO_ENABLED=0"}, nil, unvetted},
		{"go1.28", nil, []string{"-tags=go1.28"}, unvetted},
		// runtime.mutex has another layout under this experiment
		// (linked/mutex_go126_staticlockranking.go).
		{"staticlockranking", []string{"GOEXPERIMENT=staticlockranking"}, nil, lockRanking},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := append(os.Environ(), tc.env...)
			args := append([]string{"build", "-ldflags=-checklinkname=0", "-o", os.DevNull}, tc.args...)
			r := execute(t, env, nil, "", goTool, append(args, "gsysint-demo/linked")...)
			if r.code == 0 {
				t.Fatalf("built for %s, which was never vetted:\n%v", tc.name, r)
			}
			// "# gsysint-demo/linked", then the one error.
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if len(lines) != 2 || !strings.HasSuffix(lines[1], tc.guard) {
				t.Fatalf("want exactly one error, %q:\n%v", tc.guard, r)
			}
		})
	}
}
