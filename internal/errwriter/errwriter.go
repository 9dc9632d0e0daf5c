// Package errwriter keeps the first error of a run of writes, so that text
// can be printed with fmt.Fprintf and checked once at the end.
package errwriter

import "io"

// Writer passes writes to W until one fails; from then on it writes
// nothing and returns that error, which Err also holds.
type Writer struct {
	W   io.Writer
	Err error
}

func (w *Writer) Write(p []byte) (int, error) {
	if w.Err != nil {
		return 0, w.Err
	}
	n, err := w.W.Write(p)
	w.Err = err
	return n, err
}
