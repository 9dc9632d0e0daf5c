package cmd

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"runtime"
	"strings"
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
	type result struct {
		code int
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + s.addr + "/debug/pprof/goroutine?debug=2")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, string(b), err}
	}()
	// Bounded poll of the server's own state: the request joined a batch.
	deadline := time.Now().Add(10 * time.Second)
	for waiting := 0; waiting == 0; {
		s.dumps.mu.Lock()
		for _, b := range s.dumps.pending {
			waiting += len(b.clients)
		}
		s.dumps.mu.Unlock()
		if waiting == 0 && time.Now().After(deadline) {
			t.Fatal("after 10s no request waits for a dump")
		}
		runtime.Gosched()
	}
	s.shutdown()
	r := <-got
	<-s.dumps.sem
	if r.err != nil || r.code != http.StatusServiceUnavailable || !strings.Contains(r.body, "no dump") {
		t.Fatalf("a request waiting as the server stopped: %d %q (%v), want 503 saying no dump was taken", r.code, r.body, r.err)
	}
}
