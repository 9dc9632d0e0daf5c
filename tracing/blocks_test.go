package tracing

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// blockedGoroutines starts n goroutines in oursChanRecv and returns their
// ids once they are all blocked there (waitParked), and a release func.
func blockedGoroutines(t *testing.T, n int) (map[int64]bool, func()) {
	t.Helper()
	c := make(chan int)
	ids := make(chan int64, n)
	for range n {
		go func() {
			ids <- curGoid()
			oursChanRecv(c)
		}()
	}
	if err := waitParked("oursChanRecv", "chan receive", n); err != nil {
		t.Fatal(err)
	}
	want := map[int64]bool{}
	for range n {
		want[<-ids] = true
	}
	return want, func() { close(c) }
}

// TestLastBlocks reads the block events of goroutines blocked in a channel
// receive from a trace while it is being written (the partial file, polled
// until the runtime has flushed them), then from the finished file.
func TestLastBlocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.trace")
	rec, err := Start(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Abort()
	ids, release := blockedGoroutines(t, 3)
	defer release()
	want := func(id int64) bool { return ids[id] }

	check := func(what string, blocks map[int64]Block) {
		t.Helper()
		if len(blocks) != len(ids) {
			t.Fatalf("%s: block events of %d goroutines %v, want %d: %v", what, len(blocks), blocks, len(ids), ids)
		}
		for id, b := range blocks {
			if !ids[id] || b.Goroutine != id || b.Reason != "chan receive" || len(b.Stack) == 0 {
				t.Errorf("%s: goroutine %d: %+v, want a chan receive block with a stack", what, id, b)
			}
		}
	}

	partial := rec.TempName()
	if partial == "" {
		t.Fatal("TempName() is empty while the trace runs")
	}
	// The runtime writes a generation's events when the generation ends
	// (about every second): poll the partial file, bounded.
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var blocks map[int64]Block
	for {
		f, err := os.Open(partial)
		if err != nil {
			t.Fatal(err)
		}
		var cut error
		blocks, cut, err = LastBlocks(f, want)
		f.Close()
		if err == nil && len(blocks) == len(ids) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the trace being written never showed the %d blocks within 20s: got %v (cut: %v, err: %v)", len(ids), blocks, cut, err)
		}
		<-tick.C
	}
	check("while recording", blocks)

	if err := rec.Stop(); err != nil {
		t.Fatal(err)
	}
	if rec.TempName() != "" {
		t.Errorf("TempName() = %q after Stop, want empty", rec.TempName())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	blocks, cut, err := LastBlocks(f, want)
	if err != nil || cut != nil {
		t.Fatalf("the finished trace: cut %v, err %v", cut, err)
	}
	check("finished", blocks)
}

// curGoid is the calling goroutine's id, from its runtime.Stack header
// ("goroutine 18 [running]:").
func curGoid() int64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	var id int64
	fmt.Sscanf(string(buf), "goroutine %d ", &id)
	return id
}

// FuzzLastBlocks: on any input LastBlocks returns (a cut or a parser panic
// is a cut, never a panic); on input Summarize reads whole it reads to the
// end, and its events are among Summarize's.
func FuzzLastBlocks(f *testing.F) {
	for _, file := range fixtures(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte("go 1.26 trace\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		blocks, cut, err := LastBlocks(bytes.NewReader(data), func(int64) bool { return true })
		s, serr := Summarize(bytes.NewReader(data), Options{})
		if serr != nil {
			return
		}
		if err != nil || cut != nil {
			t.Fatalf("Summarize reads the input whole, LastBlocks: cut %v, err %v", cut, err)
		}
		if len(blocks) > s.Blocks {
			t.Errorf("%d goroutines with a block event, Summarize counts %d block events", len(blocks), s.Blocks)
		}
		for id, b := range blocks {
			if b.Goroutine != id || s.Lookup(b.Reason) == nil {
				t.Errorf("goroutine %d: %+v, reason not among Summarize's", id, b)
			}
		}
	})
}
