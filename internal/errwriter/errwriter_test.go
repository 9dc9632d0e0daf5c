package errwriter

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

type failAfter struct {
	bytes.Buffer
	left int
}

var errFull = errors.New("full")

func (f *failAfter) Write(p []byte) (int, error) {
	if f.left == 0 {
		return 0, errFull
	}
	f.left--
	return f.Buffer.Write(p)
}

func TestFirstErrorSticks(t *testing.T) {
	dst := &failAfter{left: 1}
	w := &Writer{W: dst}
	fmt.Fprint(w, "one")
	fmt.Fprint(w, "two")
	dst.left = 5 // the destination recovers: the writer stays stopped
	fmt.Fprint(w, "three")
	if !errors.Is(w.Err, errFull) || dst.String() != "one" {
		t.Errorf("wrote %q, error %v; want \"one\" and %v", dst.String(), w.Err, errFull)
	}
}
