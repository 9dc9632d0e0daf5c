// Package tracing records a Go execution trace to a file and reads back its
// block events: the goroutine transitions from Running to Waiting, each with
// the runtime's trace block reason ("chan receive", "sync", or the reason a
// goroutine parked through goparkunlock was given).
//
// [Start] and [Recording.Stop] wrap runtime/trace, writing to a temporary
// file that is renamed into place only when the trace is complete.
// [Summarize] and [SummarizeFile] read a trace with golang.org/x/exp/trace
// and count block events per reason, per goroutine and per stack;
// [Summary.WriteText] prints them as tables.
//
// # Trace formats
//
// Go 1.26 and Go 1.27 both write the "go 1.26 trace" format, which the
// golang.org/x/exp/trace version in go.mod reads (checked on Go 1.26.8 and
// 1.27.3: testdata holds a trace recorded by each). A trace from a newer
// format gives the error "unknown or unsupported trace version go 1.N":
// update golang.org/x/exp.
//
// # Parameters
//
// [Options.Top] keeps the N most frequent stacks per reason (0 keeps all,
// as gsysint-demo/dump's Options.Top does for stack groups).
// [Options.MarkFuncPrefix] marks a block as "ours" when a function on its
// stack starts with the prefix; the park engine's caller passes
// "gsysint-demo/park.".
//
// # What a block looks like
//
// go tool trace -d=parsed prints a block event (Go 1.26.8 and 1.27.3 alike) as
//
//	M=6381 P=1 G=5 StateTransition Time=388637765696 GoID=5 Running->Waiting Reason="chan receive"
//	TransitionStack=
//		runtime.chanrecv1 @ 0x414751
//			/usr/local/go/src/runtime/chan.go:509
//		...
//
// Summarize counts the same events: only transitions made while tracing.
// A goroutine already waiting when the trace (or a new generation, about
// every second) starts is reported by a status event, Undetermined->Waiting,
// which is not a block and is not counted.
//
// The first frame of a block stack is where the runtime began its stack:
// for the blocking primitives it is the primitive (runtime.chanrecv1,
// sync.(*Mutex).Lock, runtime.selectgo); for goparkunlock called with
// traceskip 2 it is the function that called goparkunlock.
//
// # JSON schema
//
// A [Summary] marshals with encoding/json to the following object
// ([Summary.WriteJSON] writes it indented); the schema is stable: fields may
// be added, none renamed or removed. Lists are never null. The golden files
// in testdata/golden pin it, and WriteText's tables, for the recorded
// fixtures.
//
//	{
//	  "source":      "out.trace",  // omitted when empty
//	  "events":      1234,         // events read
//	  "sync_events": 2,            // one per generation, plus one at the end
//	  "blocks":      18,           // Running->Waiting transitions
//	  "our_blocks":  12,           // of which ours
//	  "duration_ns": 3500000,      // first to last event
//	  "reasons": [                 // most transitions first, then by reason
//	    {
//	      "reason":            "chan receive",
//	      "transitions":       5,
//	      "goroutines":        5,  // distinct goroutines
//	      "our_transitions":   3,
//	      "our_goroutines":    3,
//	      "our_goroutine_ids": [21, 22, 23],
//	      "distinct_stacks":   3,
//	      "stacks": [              // top Options.Top, most frequent first
//	        {
//	          "funcs": ["runtime.chanrecv1", "gsysint-demo/park.(*Parker).run"],  // innermost first
//	          "first": {"func": "runtime.chanrecv1", "file": "/usr/local/go/src/runtime/chan.go", "line": 509},
//	          "count":      3,
//	          "goroutines": 3,
//	          "ours":       true
//	        }
//	      ]
//	    }
//	  ]
//	}
//
// # Text
//
// WriteText ends with the line "open it with: go tool trace FILE" when
// Summary.Source is set: SummarizeFile sets it; a caller that used Summarize
// on a file can set it, or leave it empty and print its own hint.
//
// # The library
//
// gsysint-demo's public library is park, census, dump, tracing, series and
// web. park and census reach the runtime, through package linked (which
// their users need not import): a program that imports either is built and
// tested with -ldflags=-checklinkname=0. dump, tracing and series read and
// write dumps and traces with no runtime bindings, and build anywhere; web
// makes pages from their data.
package tracing
