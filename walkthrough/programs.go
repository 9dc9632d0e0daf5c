package walkthrough

// The programs steps 1–4 compile, by path in the lab module. They are shown
// to the reader exactly as they are compiled.
var labFiles = map[string]string{
	"go.mod": "module demo\n\ngo 1.26\n",

	"unexported/main.go": `// Calls the runtime's parking function by name, as if it were exported.
package main

import "runtime"

func main() {
	runtime.gopark(nil, nil, 0, 0, 0)
}
`,

	"pullgopark/main.go": `// Pulls runtime.gopark, which the runtime pushes, and prints the name
// of the function the local declaration is bound to.
package main

import (
	"fmt"
	"reflect"
	"runtime"
	"unsafe"
)

// The runtime's definition, in runtime/proc.go:
// func gopark(unlockf func(*g, unsafe.Pointer) bool, lock unsafe.Pointer,
// reason waitReason, traceReason traceBlockReason, traceskip int)
//
//go:linkname gopark runtime.gopark
func gopark(unlockf func(unsafe.Pointer, unsafe.Pointer) bool, lock unsafe.Pointer, reason, traceReason uint8, traceskip int)

func main() {
	pc := reflect.ValueOf(gopark).Pointer()
	fmt.Println("gopark is bound to", runtime.FuncForPC(pc).Name())
}
`,

	"pulllock/main.go": `// Pulls runtime.lock and runtime.unlock, which the runtime does not push,
// and takes and releases a runtime lock.
package main

import (
	"fmt"
	_ "unsafe" // for go:linkname
)

// mutex has room for a runtime.mutex: one word of state (a few more with
// GOEXPERIMENT=staticlockranking).
type mutex struct{ words [4]uintptr }

//go:linkname lock runtime.lock
func lock(l *mutex)

//go:linkname unlock runtime.unlock
func unlock(l *mutex)

func main() {
	var m mutex
	lock(&m)
	unlock(&m)
	fmt.Println("took and released a runtime lock")
}
`,

	"greet/greet.go": `// Package greet pushes a function body into package main.
package greet

import _ "unsafe" // for go:linkname

//go:linkname greeting main.greeting
func greeting() string {
	return "hello from package greet, called as main.greeting"
}
`,

	"pushnostub/main.go": pushMain,
	"pushstub/main.go":   pushMain,
	"pushstub/stub.s": `// Empty on purpose: an assembly file in the package lets main.go
// declare a function without a body.
`,

	"asmnanotime/main.go": `// Reads the runtime's clock through an assembly stub that jumps to
// runtime·nanotime1, a function the runtime writes in assembly.
package main

import "fmt"

// nanotime1 is implemented in jmp.s.
func nanotime1() int64

func main() {
	fmt.Println("runtime·nanotime1 says", nanotime1(), "ns")
}
`,
	"asmnanotime/jmp.s": `#include "textflag.h"

// func nanotime1() int64
// The same frame as runtime·nanotime1 (no arguments, an 8-byte result),
// so the jump hands it our caller's frame and it writes the result there.
TEXT ·nanotime1(SB), NOSPLIT, $0-8
	JMP runtime·nanotime1(SB)
`,

	"asmlock/main.go": `// Tries to reach runtime.lock, a function written in Go, from assembly.
package main

import "fmt"

type mutex struct{ words [4]uintptr }

// lock is implemented in jmp.s.
func lock(l *mutex)

func main() {
	var m mutex
	lock(&m)
	fmt.Println("took a runtime lock")
}
`,
	"asmlock/jmp.s": `#include "textflag.h"

// func lock(l *mutex)
TEXT ·lock(SB), NOSPLIT, $0-8
	JMP runtime·lock(SB)
`,
}

// pushMain is the main.go of both pushnostub/ and pushstub/: they differ
// only in pushstub/stub.s.
const pushMain = `// Declares greeting without a body: package greet pushes one into it.
package main

import (
	"fmt"

	_ "demo/greet" // linked in for its push
)

// greeting has no body here.
func greeting() string

func main() {
	fmt.Println(greeting())
}
`

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
