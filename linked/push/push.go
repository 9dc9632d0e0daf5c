// Package push shows the push form of //go:linkname: it gives the bodyless
// declaration "func buildDescription() string" in gsysint-demo's main.go its
// body. Only that main imports it (for its side effect): a push defines the
// symbol main.buildDescription in whatever program links this package, so a
// library user whose main has a buildDescription of its own could not link
// if park or linked carried it. It sits under linked because only linked and
// its subpackages use //go:linkname.
//
// The linker takes a push from any package; only pulls of runtime symbols
// the runtime does not push need -checklinkname=0. The compiler accepts
// main's bodyless declaration only because main also has an (empty)
// assembly file, stub.s: without one it says "missing function body".
package push

import (
	"runtime"
	_ "unsafe" // for go:linkname

	"gsysint-demo/linked"
)

// buildDescription is pushed into package main.
//
//go:linkname buildDescription main.buildDescription
func buildDescription() string {
	return "built by " + runtime.Version() + " for " + runtime.GOOS + "/" + runtime.GOARCH +
		"; runtime catalog " + linked.Vetted().Name +
		"; bindings: lock, unlock, goparkunlock, waitReason.String, reason tables (pull, -checklinkname=0)," +
		" gopark, goready (pull, pushed by the runtime), buildDescription (push into main)," +
		" Getg (assembly), Nanotime1 (assembly JMP to runtime·nanotime1)"
}
