package linked

import (
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The runtime boundary (doc.go): only the files named for a Go version range
// (concern_goNNN[_variant].go) and the refusal file say which Go versions
// were vetted. These tests read the package's own sources and evaluate their
// build constraints for Go versions, systems and architectures that are not
// the one running, so they hold the scheme on every target at once.

const refusalFile = "unsupported.go"

// versionFile matches the name of a per-version file: its concern, then the
// first Go version of its range, then an optional variant.
var versionFile = regexp.MustCompile(`^([a-z]+)_go(1)(\d\d)(_[a-z]+)?\.go$`)

type sourceFile struct {
	name    string
	concern string          // "" for generic files and the refusal
	expr    constraint.Expr // nil when the file has no //go:build line
}

func readSources(t *testing.T) []sourceFile {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	asm, _ := filepath.Glob("*.s")
	var files []sourceFile
	for _, name := range append(names, asm...) {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f := sourceFile{name: name}
		if m := versionFile.FindStringSubmatch(name); m != nil {
			f.concern = m[1]
		}
		for _, line := range strings.Split(string(src), "\n") {
			if constraint.IsGoBuild(line) {
				if f.expr, err = constraint.Parse(line); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				break
			}
			if strings.HasPrefix(line, "package ") {
				break
			}
		}
		files = append(files, f)
	}
	return files
}

// target is one build configuration: a Go version, GOOS, GOARCH, and
// whether GOEXPERIMENT=staticlockranking is on.
type target struct {
	minor      int
	goos       string
	goarch     string
	lockRanked bool
}

func (tg target) String() string {
	s := fmt.Sprintf("go1.%d %s/%s", tg.minor, tg.goos, tg.goarch)
	if tg.lockRanked {
		s += " GOEXPERIMENT=staticlockranking"
	}
	return s
}

// matches reports whether the go command would build f for tg. File-name
// suffixes (_linux, _amd64) count as the go command counts them.
func (tg target) matches(f sourceFile) bool {
	base := strings.TrimSuffix(strings.TrimSuffix(f.name, ".go"), ".s")
	parts := strings.Split(base, "_")
	if n := len(parts); n > 1 {
		last := parts[n-1]
		if isArch(last) && last != tg.goarch {
			return false
		}
		if isOS(last) && last != tg.goos {
			return false
		}
		if n > 2 && isArch(last) && isOS(parts[n-2]) && parts[n-2] != tg.goos {
			return false
		}
	}
	if f.expr == nil {
		return true
	}
	return f.expr.Eval(func(tag string) bool {
		switch {
		case tag == tg.goos || tag == tg.goarch:
			return true
		case tag == "unix":
			return tg.goos != "windows"
		case tag == "goexperiment.staticlockranking":
			return tg.lockRanked
		case strings.HasPrefix(tag, "go1."):
			var minor int
			_, err := fmt.Sscanf(tag, "go1.%d", &minor)
			return err == nil && minor <= tg.minor
		}
		return false
	})
}

func isOS(s string) bool   { return slices.Contains(systems, s) }
func isArch(s string) bool { return slices.Contains(arches, s) }

var (
	systems = []string{"linux", "darwin", "windows", "freebsd"}
	arches  = []string{"amd64", "arm64", "386", "riscv64"}
)

func allTargets() []target {
	var ts []target
	for minor := 20; minor <= 32; minor++ {
		for _, goos := range systems {
			for _, goarch := range arches {
				for _, lr := range []bool{false, true} {
					ts = append(ts, target{minor, goos, goarch, lr})
				}
			}
		}
	}
	return ts
}

// mentionsGoVersion reports whether a constraint names a release tag.
func mentionsGoVersion(e constraint.Expr) bool {
	found := false
	var walk func(constraint.Expr)
	walk = func(e constraint.Expr) {
		switch e := e.(type) {
		case *constraint.TagExpr:
			found = found || strings.HasPrefix(e.Tag, "go1")
		case *constraint.NotExpr:
			walk(e.X)
		case *constraint.AndExpr:
			walk(e.X)
			walk(e.Y)
		case *constraint.OrExpr:
			walk(e.X)
			walk(e.Y)
		}
	}
	walk(e)
	return found
}

// Only per-version files and the refusal name Go versions, and for every
// target either the refusal builds and no per-version file does, or each
// concern has exactly one file that builds.
func TestRuntimeBoundary(t *testing.T) {
	files := readSources(t)
	var refusal *sourceFile
	concerns := map[string][]sourceFile{}
	for i, f := range files {
		switch {
		case f.name == refusalFile:
			refusal = &files[i]
		case f.concern != "":
			if f.expr == nil || !mentionsGoVersion(f.expr) {
				t.Errorf("%s is named for a Go version but its build constraint names none", f.name)
			}
			concerns[f.concern] = append(concerns[f.concern], f)
		case f.expr != nil && mentionsGoVersion(f.expr):
			t.Errorf("%s is generic code but its build constraint %q names a Go version: move what is per-version into a file named for its range (concern_go1NN.go)", f.name, f.expr)
		}
	}
	if refusal == nil || refusal.expr == nil {
		t.Fatalf("no %s with a build constraint", refusalFile)
	}
	if len(concerns) == 0 {
		t.Fatal("no per-version files")
	}
	vetted := 0
	for _, tg := range allTargets() {
		refused := tg.matches(*refusal)
		if !refused {
			vetted++
		}
		for concern, fs := range concerns {
			var built []string
			for _, f := range fs {
				if tg.matches(f) {
					built = append(built, f.name)
				}
			}
			switch {
			case refused && len(built) > 0:
				t.Errorf("%s: %s refuses, yet %v build too", tg, refusalFile, built)
			case !refused && len(built) != 1:
				t.Errorf("%s: %s lets it build, but concern %q has %d files for it %v, want 1", tg, refusalFile, concern, len(built), built)
			}
		}
	}
	if vetted == 0 {
		t.Error("the refusal refuses every target")
	}
}

// topLevelNames returns the identifiers a file declares at package level.
func topLevelNames(t *testing.T, name string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				names = append(names, d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					names = append(names, s.Name.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.Name != "_" {
							names = append(names, n.Name)
						}
					}
				}
			}
		}
	}
	sort.Strings(names)
	return names
}

// versionRanges groups the per-version files by the first Go version their
// names carry (go126 for catalog_go126.go), one variant of each concern
// (the files without a variant suffix), which is what a vetted build of the
// default configuration compiles.
func versionRanges(t *testing.T) map[string][]string {
	ranges := map[string][]string{}
	for _, f := range readSources(t) {
		m := versionFile.FindStringSubmatch(f.name)
		if m == nil || m[4] != "" {
			continue
		}
		v := "go" + m[2] + m[3]
		ranges[v] = append(ranges[v], f.name)
	}
	return ranges
}

// The refusal file declares every identifier the per-version files of each
// range define, and nothing else: so the generic code type-checks where the
// refusal builds, and the compiler's one error is the refusal's.
func TestRefusalDeclaresWhatVersionFilesDefine(t *testing.T) {
	refusal := topLevelNames(t, refusalFile)
	for v, files := range versionRanges(t) {
		var defined []string
		for _, f := range files {
			defined = append(defined, topLevelNames(t, f)...)
		}
		sort.Strings(defined)
		if !slices.Equal(defined, refusal) {
			t.Errorf("range %s (%v) defines\n\t%v\n%s declares\n\t%v\nthe two lists must be equal", v, files, defined, refusalFile, refusal)
		}
	}
}

// TestNextVersion fakes the next Go version: its targets must be refused
// (nothing was vetted there), and the log names every place that vetting it
// touches. Run it with -v to read the list.
func TestNextVersion(t *testing.T) {
	files := readSources(t)
	last := 0
	var refusal sourceFile
	for _, f := range files {
		if f.name == refusalFile {
			refusal = f
		}
	}
	for minor := 20; minor <= 40; minor++ {
		if !(target{minor, "linux", "amd64", false}).matches(refusal) {
			last = minor
		}
	}
	if last == 0 {
		t.Fatal("no vetted Go version on linux/amd64")
	}
	next := target{last + 1, "linux", "amd64", false}
	if !next.matches(refusal) {
		t.Fatalf("%s is not refused by %s", next, refusalFile)
	}
	var todo []string
	for v, names := range versionRanges(t) {
		for _, name := range names {
			todo = append(todo, fmt.Sprintf("linked/%s (range %s): compare with the go1.%d runtime; if it differs, add %s for go1.%d and end this file's range before it",
				name, v, last+1, strings.Replace(name, v, fmt.Sprintf("go1%d", last+1), 1), last+1))
		}
	}
	sort.Strings(todo)
	todo = append(todo,
		fmt.Sprintf("linked/%s: move its go1.%d bound to go1.%d", refusalFile, last+1, last+2),
		"linked/*_go1NN_*.go variants (mutex_go126_staticlockranking.go): the same range as their concern's file",
		"every per-version file whose range ends at go1."+fmt.Sprint(last+1)+": move that bound (TestRuntimeBoundary fails until the ranges tile)",
		fmt.Sprintf("dump/testdata/go1.%d, tracing/testdata: fixtures made by the go1.%d runtime (dump/internal/scenario)", last+1, last+1),
		"scripts/test.sh, scripts/bench.sh: the toolchain list (GSYSINT_TOOLCHAINS)",
		`README.md "Supported Go versions"; walkthrough step quoting the constraints (TestQuotedCode)`,
	)
	t.Logf("to vet go1.%d, touch:\n\t%s", last+1, strings.Join(todo, "\n\t"))
}
