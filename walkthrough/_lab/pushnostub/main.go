// Declares greeting without a body: package greet pushes one into it.
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
