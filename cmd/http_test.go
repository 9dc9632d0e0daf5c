package cmd

import (
	"bytes"
	"log"
	"testing"
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
