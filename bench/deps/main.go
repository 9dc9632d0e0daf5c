// Command deps links the four dependencies gsysint-demo is built on and does
// nothing else: its peak RSS and start-up time are the floor of any program
// that imports them, which scripts/bench.sh prints beside report's.
package main

import (
	_ "net/http/pprof"

	_ "github.com/google/pprof/profile"
	_ "github.com/urfave/cli/v2"
	_ "golang.org/x/exp/trace"
)

func main() {}
