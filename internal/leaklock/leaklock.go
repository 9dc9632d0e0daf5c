// Package leaklock holds the one lock that serialises the readying of
// goroutines the goroutineleak profile marked leaked (park's Release) with
// walks of that profile (dump.Write). It is a package of its own so that
// dump, a reader and writer of dumps, reaches it without the runtime
// bindings of package linked, and builds where they do not.
//
// The runtime walks the goroutineleak profile without stopping the world,
// unwinding the stacks of the goroutines it marked leaked on the assumption
// that none of them runs again: one that park restores and readies during
// the walk would be unwound while it runs.
package leaklock

import "sync"

// Mu is held while the goroutineleak profile is taken and while parked
// goroutines are woken.
var Mu sync.Mutex
