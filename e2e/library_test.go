package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A program that imports the library keeps its own names: its main may
// declare a buildDescription of its own (the tool's body for it is pushed
// by linked/push, which only the tool's main imports).
func TestLibraryUserMainLinks(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module usermain\n\ngo 1.26\n\nrequire gsysint-demo v0.0.0\n\nreplace gsysint-demo => " + root + "\n",
		"go.sum": string(sum),
		"main.go": `package main

import (
	"fmt"

	"gsysint-demo/park"
)

func buildDescription() string { return "the user's own" }

func main() {
	fmt.Println(buildDescription(), park.CatalogName())
}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exe := filepath.Join(dir, "usermain")
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	r := execute(t, env, nil, dir, goTool, "build", "-ldflags=-checklinkname=0", "-o", exe, ".")
	wantExit(t, r, 0)
	r = execute(t, os.Environ(), nil, dir, exe)
	wantExit(t, r, 0)
	if !strings.HasPrefix(r.stdout, "the user's own ") {
		t.Fatalf("the user's buildDescription was replaced:\n%v", r)
	}
}
