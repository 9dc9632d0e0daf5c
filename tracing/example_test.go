package tracing_test

import (
	"fmt"
	"log"
	"strings"

	"gsysint-demo/tracing"
)

// Summarise the block events of an execution trace and find one's own. The
// file is a trace the package's tests recorded on Go 1.26.8, in which one
// goroutine, in function oursFixture, blocked once on a channel receive.
func ExampleSummarizeFile() {
	s, err := tracing.SummarizeFile("testdata/go1.26.8.trace", tracing.Options{
		MarkFuncPrefix: "gsysint-demo/tracing.oursFixture",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Blocks, "blocks,", s.OurBlocks, "of them ours")
	r := s.Lookup("chan receive")
	fmt.Printf("%q: %d blocks by %d goroutines, %d ours\n", r.Reason, r.Transitions, r.Goroutines, r.OurTransitions)
	for _, st := range r.Stacks {
		if st.Ours {
			fmt.Println("our stack:", strings.Join(st.Funcs[:2], " < "))
		}
	}
	// Output:
	// 7 blocks, 1 of them ours
	// "chan receive": 3 blocks by 3 goroutines, 1 ours
	// our stack: runtime.chanrecv1 < gsysint-demo/tracing.oursFixture
}
