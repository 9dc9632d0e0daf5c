// Package greet pushes a function body into package main.
package greet

import _ "unsafe" // for go:linkname

//go:linkname greeting main.greeting
func greeting() string {
	return "hello from package greet, called as main.greeting"
}
