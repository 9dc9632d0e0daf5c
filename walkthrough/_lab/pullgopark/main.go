// Pulls runtime.gopark, which the runtime pushes, and prints the name
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
