// Pulls runtime.lock and runtime.unlock, which the runtime does not push,
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
