// Package linked binds the Go runtime's hidden scheduler primitives and tables.
//
// It is the only package in gsysint-demo that uses unsafe, //go:linkname or
// assembly. It reads like a reference card: every binding sits next to the
// runtime definition it mirrors, says whether the runtime pushes the symbol
// (then a plain build links it) or not (then the build needs
// -ldflags=-checklinkname=0), and names the Go versions it was checked on.
//
// Three ways of reaching a hidden symbol are shown:
//
//   - pull: a bodyless declaration with //go:linkname local runtime.name
//     (bindings.go, tables.go);
//   - push: a function with a body and //go:linkname fn main.name, which
//     gives a bodyless declaration in package main its body (export.go);
//   - assembly: a TEXT symbol whose body JMPs to a runtime assembly
//     function (nanotime_*.s), and getg read from TLS or the g register.
//
// Everything that depends on the runtime's layout (the reason tables, the g
// field offsets) lives in files named for the Go versions they were vetted
// on, with bounded build constraints. On any other version the package does
// not compile, with an identifier that says what to do.
//
// Nothing here is safe to call casually: parking with a reason the catalog
// refuses, or readying a goroutine that is not waiting, crashes the runtime.
// Package park is the safe layer on top.
package linked
