package park_test

import (
	"os"
	"strings"
	"testing"
)

// The README's library snippet is the start of Example, line for line, so
// it compiles and its output is checked.
func TestReadmeSnippetIsTheExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "## Using the engine\n\n```go\n")
	snippet, _, ok2 := strings.Cut(after, "```\n")
	if !ok || !ok2 {
		t.Fatal(`README.md has no "## Using the engine" section opening with a go code block`)
	}
	// The example's body, one tab less indented.
	_, body, _ := strings.Cut(string(example), "func Example() {\n")
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	if !strings.HasPrefix(strings.Join(lines, "\n"), snippet) {
		t.Fatalf("README.md's snippet is not the start of Example in park/example_test.go:\n%s", snippet)
	}
}
