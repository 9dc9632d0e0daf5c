package cmd

import (
	"fmt"
	"io"

	"gsysint-demo/internal/events"
)

// progress shows how many goroutines Park has started, on one line that it
// rewrites, only when stderr is a terminal. Park calls update every 64k
// goroutines, so it costs nothing measurable.
type progress struct {
	w     io.Writer
	shown bool
}

// newProgress shows progress on w in the text form; the JSON form is for
// programs, which a line rewritten with \r would only confuse.
func newProgress(w io.Writer, format events.Format) *progress {
	if format == events.Text && isTerminal(w) {
		return &progress{w: w}
	}
	return &progress{}
}

func (p *progress) update(started, total int) {
	if p.w == nil || total < 1<<17 {
		return
	}
	fmt.Fprintf(p.w, "\rparking: %d of %d goroutines started", started, total)
	p.shown = true
}

// done clears the progress line before the next message.
func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
