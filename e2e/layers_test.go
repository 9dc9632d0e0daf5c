package e2e

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestLayers holds the module to its one direction of dependency, as the go
// command sees the packages (tests left out): only linked (and its
// subpackage push) imports unsafe, which //go:linkname needs, or has
// assembly, besides main's empty stub.s; only cmd imports urfave/cli
// (bench/deps links it on purpose, to measure what it costs); linked
// imports no package of the module; no engine package imports cmd; and the
// readers of dumps and traces, and the pages made from them, link no
// bindings at all.
func TestLayers(t *testing.T) {
	const mod = "gsysint-demo"
	r := execute(t, os.Environ(), nil, "..", goTool, "list", "-ldflags=-checklinkname=0", "-deps",
		"-f", "{{.ImportPath}}|{{.Module}}|{{join .Imports \" \"}}|{{join .Deps \" \"}}|{{join .SFiles \" \"}}", "./...")
	if r.code != 0 {
		t.Fatalf("go list: %v", r)
	}
	type pkg struct{ imports, deps, sfiles []string }
	pkgs := map[string]pkg{}
	for line := range strings.SplitSeq(strings.TrimSpace(r.stdout), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 5 {
			t.Fatalf("go list line %q: want 5 fields", line)
		}
		if f[1] != mod { // the standard library and the dependencies
			continue
		}
		pkgs[f[0]] = pkg{strings.Fields(f[2]), strings.Fields(f[3]), strings.Fields(f[4])}
	}
	for _, want := range []string{mod, mod + "/cmd", mod + "/linked", mod + "/park", mod + "/dump", mod + "/tracing", mod + "/census", mod + "/series", mod + "/web"} {
		if _, ok := pkgs[want]; !ok {
			t.Fatalf("go list does not list %s: the test reads the wrong output", want)
		}
	}
	for path, p := range pkgs {
		inLinked := path == mod+"/linked" || strings.HasPrefix(path, mod+"/linked/")
		if slices.Contains(p.imports, "unsafe") && !inLinked {
			t.Errorf("%s imports unsafe: only linked may (unsafe and //go:linkname live there)", path)
		}
		if len(p.sfiles) > 0 && !inLinked && !(path == mod && slices.Equal(p.sfiles, []string{"stub.s"})) {
			t.Errorf("%s has assembly %v: only linked may (and main its empty stub.s)", path, p.sfiles)
		}
		if slices.Contains(p.imports, "github.com/urfave/cli/v2") && path != mod+"/cmd" && path != mod+"/bench/deps" {
			t.Errorf("%s imports urfave/cli: only cmd may", path)
		}
		if path != mod && path != mod+"/cmd" && slices.Contains(p.deps, mod+"/cmd") {
			t.Errorf("%s depends on cmd: the engine knows nothing of the command line", path)
		}
		if path == mod+"/linked" {
			for _, d := range p.deps {
				if strings.HasPrefix(d, mod+"/") {
					t.Errorf("linked depends on %s: it is the bottom layer", d)
				}
			}
		}
	}
	for _, reader := range []string{"dump", "tracing", "series", "web"} {
		if slices.Contains(pkgs[mod+"/"+reader].deps, mod+"/linked") {
			t.Errorf("%s depends on linked: readers of dumps and traces need no bindings", reader)
		}
	}
}
