// Calls the runtime's parking function by name, as if it were exported.
package main

import "runtime"

func main() {
	runtime.gopark(nil, nil, 0, 0, 0)
}
