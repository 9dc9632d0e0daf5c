// Reads the runtime's clock through an assembly stub that jumps to
// runtime·nanotime1, a function the runtime writes in assembly.
package main

import "fmt"

// nanotime1 is implemented in jmp.s.
func nanotime1() int64

func main() {
	fmt.Println("runtime·nanotime1 says", nanotime1(), "ns")
}
