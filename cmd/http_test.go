package cmd

import (
	"bytes"
	"io"
	"log"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestServerLog: net/http's ordinary lines stay out of park's stderr; a
// handler's panic, a bug, does not.
func TestServerLog(t *testing.T) {
	var stderr bytes.Buffer
	l := log.New(serverLog{&stderr}, "", 0)
	// The lines as net/http's Server.logf writes them.
	l.Printf("http: Accept error: %v; retrying in %v", "accept tcp 127.0.0.1:6060: accept4: too many open files", "5ms")
	l.Printf("http: superfluous response.WriteHeader call from %s", "gsysint-demo/cmd.x (http.go:1)")
	if stderr.Len() != 0 {
		t.Errorf("ordinary net/http lines were passed on: %q", stderr.String())
	}
	l.Printf("http: panic serving %v: %v\n%s", "127.0.0.1:5555", "boom", "goroutine 7 [running]:")
	if want := "http: panic serving 127.0.0.1:5555: boom\ngoroutine 7 [running]:\n"; stderr.String() != want {
		t.Errorf("a handler's panic: got %q, want %q", stderr.String(), want)
	}
}

// TestStopWithAClientWaiting: a request that waits for its dump when the
// server stops gets no dump, and is told so (503), not sent an empty 200
// that reads as an empty dump.
func TestStopWithAClientWaiting(t *testing.T) {
	s, err := startPprofServer("127.0.0.1:0", io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.shutdown()
	s.dumps.sem <- struct{}{} // a dump under way: the request waits its turn
	got := getAsync(s.addr + "/debug/pprof/goroutine?debug=2")
	awaitWaiting(t, s, 1)
	s.shutdown()
	r := <-got
	<-s.dumps.sem
	if r.err != nil || r.code != http.StatusServiceUnavailable || !strings.Contains(r.body, "no dump") {
		t.Fatalf("a request waiting as the server stopped: %d %q (%v), want 503 saying no dump was taken", r.code, r.body, r.err)
	}
}

// awaitWaiting returns once n requests wait for a dump of s (they joined
// a batch), by a bounded poll of the server's own state.
func awaitWaiting(t *testing.T, s *pprofServer, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		waiting := 0
		s.dumps.mu.Lock()
		for _, b := range s.dumps.pending {
			waiting += len(b.clients)
		}
		s.dumps.mu.Unlock()
		if waiting >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10s %d requests wait for a dump, want %d", waiting, n)
		}
		runtime.Gosched()
	}
}

// deepPark parks a goroutine depth frames down until release is closed:
// many of them make a debug=2 dump larger than a connection's buffers.
func deepPark(depth int, parked *sync.WaitGroup, release chan struct{}) {
	if depth > 0 {
		deepPark(depth-1, parked, release)
		return
	}
	parked.Done()
	<-release
}

// handlerStuckInSend reports whether a handler is blocked writing a dump
// to a client that does not read: in send, waiting for the socket.
func handlerStuckInSend(buf []byte) bool {
	n := runtime.Stack(buf, true)
	for g := range strings.SplitSeq(string(buf[:n]), "\n\n") {
		if strings.Contains(g, "[IO wait") && strings.Contains(g, "gsysint-demo/cmd.send(") {
			return true
		}
	}
	return false
}

// TestSlowClientDelaysNoOne: a client that reads a few bytes of a dump and
// then stops reading delays neither the complete response of another
// client of the same dump, nor the next dump; and when it hangs up, its
// dump's bytes are let go.
func TestSlowClientDelaysNoOne(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	var parked sync.WaitGroup
	for range 3000 {
		parked.Add(1)
		go deepPark(40, &parked, release)
	}
	parked.Wait()

	s, err := startPprofServer("127.0.0.1:0", io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.shutdown()
	const path = "/debug/pprof/goroutine?debug=2"

	// Both clients wait for the same dump while the slot is held.
	s.dumps.sem <- struct{}{}
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		// A small receive window: the server's writes block soon.
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	slow, err := d.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := io.WriteString(slow, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	fast := getAsync(s.addr + path)
	awaitWaiting(t, s, 2)
	<-s.dumps.sem

	// The slow client reads the start of its response, then nothing.
	head := make([]byte, 12)
	if _, err := io.ReadFull(slow, head); err != nil || string(head) != "HTTP/1.1 200" {
		t.Fatalf("slow client's first bytes: %q (%v)", head, err)
	}
	stack := make([]byte, 64<<20)
	for deadline := time.Now().Add(10 * time.Second); !handlerStuckInSend(stack); {
		if time.Now().After(deadline) {
			t.Fatal("after 10s no handler is blocked sending to the slow client: the dump fits in the connection's buffers")
		}
		runtime.Gosched()
	}

	checkDump := func(what string, r result) {
		t.Helper()
		if r.err != nil || r.code != http.StatusOK || !strings.Contains(r.body, "gsysint-demo/cmd.deepPark(") {
			t.Fatalf("%s: %d, %d bytes (%v), want 200 and a whole dump", what, r.code, len(r.body), r.err)
		}
		if !handlerStuckInSend(stack) {
			t.Fatalf("%s came only once the slow client's send had ended", what)
		}
	}
	checkDump("the other client of the slow client's dump", <-fast)
	checkDump("the next dump", <-getAsync(s.addr+path))

	// The slow client hangs up: its dump's buffer is given back.
	slow.Close()
	for deadline := time.Now().Add(10 * time.Second); len(s.dumps.buffers) != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("10s after the slow client hung up, %d dump buffers are held, want 0", len(s.dumps.buffers))
		}
		runtime.Gosched()
	}
}

type result struct {
	code int
	body string
	err  error
}

// getAsync GETs http://url, and sends what came on the channel it returns.
func getAsync(url string) <-chan result {
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + url)
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, string(b), err}
	}()
	return got
}
