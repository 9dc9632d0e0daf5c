package dump_test

import (
	"bytes"
	"fmt"
	"log"
	"os"

	"gsysint-demo/dump"
)

// Read a debug=2 dump, look at one of its goroutines, and count them by
// state (a state is the wait reason alone: the goroutine whose header says
// "[chan receive, locked to thread]" counts as "chan receive"). The file is real runtime output: the scenario program in
// internal/scenario parks goroutines in every blocking primitive and dumps
// them.
func Example() {
	f, err := os.Open("testdata/go1.26/blocked.debug2.txt")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	s, err := dump.Parse(f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Format, "dump of", s.Total, "goroutines")
	for _, g := range s.Goroutines {
		if g.ID == 19 {
			fmt.Printf("goroutine %d [%s] in %s, created by %s\n", g.ID, g.State, g.Frames[0].Func, g.CreatedBy)
		}
	}
	sum := dump.Summarize(s, dump.Options{})
	for _, row := range sum.States {
		if row.State == "chan receive" {
			fmt.Println(row.Count, "of", sum.Total, "goroutines wait in chan receive")
		}
	}
	// Output:
	// debug2 dump of 28 goroutines
	// goroutine 19 [chan receive] in main.blockChanRecv, created by main.start
	// 10 of 28 goroutines wait in chan receive
}

// Dump this program's goroutines and read the dump back: the goroutine
// that took it is the first, and running.
func ExampleWriteGoroutineText() {
	var b bytes.Buffer
	if _, err := dump.WriteGoroutineText(&b); err != nil {
		log.Fatal(err)
	}
	s, err := dump.Parse(&b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Format, s.Goroutines[0].State)
	// Output:
	// debug2 running
}
