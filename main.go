// Command gsysint-demo parks goroutines through the Go runtime's hidden
// scheduler functions and shows how the runtime reports them.
package main

import (
	"os"

	"gsysint-demo/cmd"
)

// buildDescription has no body here: package linked pushes one into it with
// //go:linkname (see linked/export.go). stub.s makes the declaration legal.
func buildDescription() string

func main() {
	os.Exit(cmd.Main(os.Args, buildDescription()))
}
