// Command gsysint-demo parks goroutines through the Go runtime's hidden
// scheduler functions and shows how the runtime reports them.
package main

import (
	"os"

	"gsysint-demo/cmd"
	_ "gsysint-demo/linked/push" // gives buildDescription its body
)

// buildDescription has no body here: package linked/push pushes one into it
// with //go:linkname. stub.s makes the declaration legal.
func buildDescription() string

func main() {
	os.Exit(cmd.Main(os.Args, buildDescription()))
}
