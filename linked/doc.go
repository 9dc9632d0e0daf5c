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
//     gives a bodyless declaration in package main its body (subpackage
//     push, which only the tool's main imports);
//   - assembly: a TEXT symbol whose body JMPs to a runtime assembly
//     function (nanotime_*.s), and getg read from TLS or the g register.
//
// # The runtime boundary
//
// Which Go versions, systems and architectures were vetted is said in one
// place: the build constraints of the per-version files and of the refusal.
// Everything else is generic code, written against the identifiers those
// files define, and carries no Go version in its constraint.
//
//   - Per-version files are named concern_goNNN[_variant].go for the first
//     Go version of their range and carry that range as their constraint,
//     today go1.26 && !go1.28 && linux && (amd64 || arm64) (Go 1.26 and
//     1.27 share them):
//     catalog_go126.go (the reason tables' lengths and texts, what parking
//     with each does, the runtime's pairing of wait and trace reasons),
//     g_go126.go (g field offsets, goroutine statuses),
//     allgs_go126.go (the g fields and label set the census reads, the
//     status words) and mutex_go126.go (runtime.mutex; its
//     _staticlockranking variant refuses GOEXPERIMENT=staticlockranking
//     with its own identifier).
//   - The refusal, unsupported.go, builds exactly where no range does. It
//     names an identifier that exists nowhere, whose name is the compiler's
//     one error, and declares (with values that mean nothing) every
//     identifier the per-version files define, so that the generic code
//     raises no other error.
//   - OS and architecture facts that hold for every vetted version are
//     named for what they need: the assembly (getg_amd64.s, getg_arm64.s:
//     where an ABI0 function finds g; nanotime_linux_*.s: runtime·nanotime1
//     is linux assembly) and the ELF symbol-table witness (elfsym_linux.go,
//     with elfsym_other.go elsewhere).
//
// A new Go version is one new file per concern that changed (or a wider
// range on the files that did not), the refusal's bound moved, and a test
// run. TestRuntimeBoundary checks that the ranges tile every target with
// the refusal; TestRefusalDeclaresWhatVersionFilesDefine keeps the refusal's
// declarations equal to each range's; go test -run TestNextVersion -v lists
// every place the next version touches, in this package and outside it.
// Each per-version value is checked at start-up against a witness that does
// not depend on it (Check).

// Nothing here is safe to call casually: parking with a reason the catalog
// refuses, or readying a goroutine that is not waiting, crashes the runtime.
// Package park is the safe layer on top: the public library of
// gsysint-demo is park (with the catalog view the command line shows:
// park.Reasons, park.Check, park.Class), dump and tracing, and programs use
// those rather than this package.
package linked
