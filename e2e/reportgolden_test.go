package e2e

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden/report (-run TestReportGolden) from the built binary's output")

// reportGoldenInputs are the project's own fixtures (real runtime output,
// made by dump/internal/scenario), one of each format report reads.
var reportGoldenInputs = []string{
	"go1.26/blocked.debug2.txt",
	"go1.26/blocked.debug1.txt",
	"go1.26/blocked.pb.gz",
	"go1.26/labels.debug2.txt",
	"go1.26/panic.txt",
	"go1.27/blocked.leak.debug2.txt",
}

// TestReportGolden pins report's text and JSON, whose schema package dump
// documents, on the project's own fixtures: a change of either is a
// change a reader sees, made on purpose with -update.
func TestReportGolden(t *testing.T) {
	t.Parallel()
	for _, in := range reportGoldenInputs {
		for _, form := range []struct{ ext, flag string }{{".txt", ""}, {".json", "--json"}} {
			name := strings.NewReplacer("/", "_", ".gz", "").Replace(in) + form.ext
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				args := []string{"report", "--top", "0"}
				if form.flag != "" {
					args = append(args, form.flag)
				}
				r := gsys(t, append(args, filepath.Join("..", "dump", "testdata", in))...)
				wantExit(t, r, 0)
				golden := filepath.Join("testdata", "golden", "report", name)
				if *updateGolden {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -ldflags=-checklinkname=0 ./e2e -run TestReportGolden -update)", err)
				}
				if r.stdout != string(want) {
					t.Errorf("report %s differs from %s (-update rewrites it):\n%s", strings.Join(args[1:], " "), golden, firstDiff(string(want), r.stdout))
				}
			})
		}
	}
}

// firstDiff shows the first line where got differs from want.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want %s\n  got  %s", i+1, wl, gl)
		}
	}
	return "(same lines, different ends)"
}
