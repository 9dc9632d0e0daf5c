package walkthrough

import (
	"embed"
	"io/fs"
	"strings"
)

// The programs steps 1–4 compile are the files under _lab/, by path in the
// lab module; they are shown to the reader exactly as they are compiled.
// They are real files so that gofmt sees them (scripts/test.sh) and go vet
// checks them (TestLabVet vets the lab module as the tour writes it); the
// leading underscore keeps go build ./... and go vet ./... of gsysint-demo
// off them, since some fail to build on purpose. pushnostub/main.go and
// pushstub/main.go are the same file: the two differ only in
// pushstub/stub.s.
//
//go:embed _lab
var labFS embed.FS

// labGoMod is the lab module's go.mod. It is kept here, not under _lab: a
// go.mod there would make _lab a module of its own, which go:embed does not
// reach into.
const labGoMod = "module demo\n\ngo 1.26\n"

// labFiles holds the lab module's files by slash-separated path: go.mod
// and every file under _lab/.
var labFiles = readLab()

func readLab() map[string]string {
	files := map[string]string{"go.mod": labGoMod}
	err := fs.WalkDir(labFS, "_lab", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		text, err := fs.ReadFile(labFS, name)
		if err != nil {
			return err
		}
		rel, _ := strings.CutPrefix(name, "_lab/")
		files[rel] = string(text)
		return nil
	})
	if err != nil {
		// The files are in the binary: reading them cannot fail.
		panic("walkthrough: reading the embedded lab: " + err.Error())
	}
	return files
}

// checkOff is the linker flag that turns off its linkname check.
var checkOff = []string{"-ldflags=-checklinkname=0"}

// The builds, by step.
var (
	unexportedBuilds = []buildSpec{
		{id: "unexported", pkg: "unexported"},
	}
	pullBuilds = []buildSpec{
		{id: "pullgopark", pkg: "pullgopark", run: true},
		{id: "pulllock", pkg: "pulllock", run: true},
		{id: "pulllock-unchecked", pkg: "pulllock", flags: checkOff, run: true},
	}
	pushBuilds = []buildSpec{
		{id: "pushnostub", pkg: "pushnostub", run: true},
		{id: "pushstub", pkg: "pushstub", run: true},
	}
	asmBuilds = []buildSpec{
		{id: "asmnanotime", pkg: "asmnanotime", run: true},
		// Shown only where the plain build fails (Go 1.27 on).
		{id: "asmnanotime-unchecked", pkg: "asmnanotime", flags: checkOff, run: true},
		{id: "asmlock", pkg: "asmlock", flags: checkOff, run: true},
	}
)

// labSnippets returns the named lab files as snippets to show.
func labSnippets(names ...string) []Snippet {
	var out []Snippet
	for _, n := range names {
		text, ok := labFiles[n]
		if !ok {
			panic("walkthrough: no lab file " + n)
		}
		out = append(out, Snippet{Name: n, Text: text})
	}
	return out
}
