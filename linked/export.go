package linked

import (
	"runtime"
	_ "unsafe" // for go:linkname
)

// buildDescription is pushed into package main: it gives the bodyless
// declaration "func buildDescription() string" in main.go its body. The
// linker takes a push from any package; only pulls of runtime symbols the
// runtime does not push need -checklinkname=0. The compiler accepts main's
// bodyless declaration only because main also has an (empty) assembly file,
// stub.s: without one it says "missing function body".
//
//go:linkname buildDescription main.buildDescription
func buildDescription() string {
	return "built by " + runtime.Version() + " for " + runtime.GOOS + "/" + runtime.GOARCH +
		"; runtime catalog " + vetted.Name +
		"; bindings: lock, unlock, goparkunlock, waitReason.String, reason tables (pull, -checklinkname=0)," +
		" gopark, goready (pull, pushed by the runtime), buildDescription (push into main)," +
		" Getg (assembly), Nanotime1 (assembly JMP to runtime·nanotime1)"
}
