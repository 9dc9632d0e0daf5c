package tracing

import (
	"fmt"
	"io"

	"golang.org/x/exp/trace"
)

// Block is one goroutine's block event: its transition from Running to
// Waiting, with the trace block reason.
type Block struct {
	Goroutine int64  `json:"goroutine"`
	Reason    string `json:"reason"`
	Time      int64  `json:"time"` // the trace's clock, in nanoseconds
	Stack     []Frame
}

// LastBlocks reads the execution trace in r, which may still be being
// written (a [Recording]'s file, see [Recording.TempName]), and returns the
// last block event of each goroutine for which want is true. Reading stops
// at the end of what the runtime has written so far: a cut in the middle
// of a generation ends the read and is reported in cut, not as an error;
// the events before it are kept.
func LastBlocks(r io.Reader, want func(goroutine int64) bool) (blocks map[int64]Block, cut error, err error) {
	defer func() {
		// The parser is not meant to panic, but a cut trace is its edge.
		if p := recover(); p != nil {
			cut = fmt.Errorf("the parser stopped: %v", p)
		}
	}()
	blocks = map[int64]Block{}
	tr, err := trace.NewReader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("not a readable execution trace: %w", err)
	}
	for {
		ev, err := tr.ReadEvent()
		if err == io.EOF {
			return blocks, nil, nil
		}
		if err != nil {
			return blocks, err, nil
		}
		if ev.Kind() != trace.EventStateTransition {
			continue
		}
		st := ev.StateTransition()
		if st.Resource.Kind != trace.ResourceGoroutine {
			continue
		}
		if from, to := st.Goroutine(); from != trace.GoRunning || to != trace.GoWaiting {
			continue
		}
		id := int64(st.Resource.Goroutine())
		if !want(id) {
			continue
		}
		b := Block{Goroutine: id, Reason: st.Reason, Time: int64(ev.Time())}
		for f := range st.Stack.Frames() {
			b.Stack = append(b.Stack, Frame{Func: f.Func, File: f.File, Line: f.Line})
		}
		blocks[id] = b
	}
}
