// Tries to reach runtime.lock, a function written in Go, from assembly.
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
