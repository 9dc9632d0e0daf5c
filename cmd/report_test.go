package cmd

import "testing"

func TestRedactURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"http://user:secret@host:6060/debug/pprof/goroutine?debug=2", "http://user:xxxxx@host:6060/debug/pprof/goroutine?debug=2"},
		{"https://user@host/x", "https://user@host/x"},
		{"http://host/x", "http://host/x"},
		// Does not parse: redacted all the same.
		{"http://user:secret@host/%zz", "http://user:xxxxx@host/%zz"},
		{"http://user:se@cret@[::1/x", "http://user:xxxxx@[::1/x"},
		{"http://user:secret@[::1", "http://user:xxxxx@[::1"},
	} {
		if got := redactURL(c.in); got != c.want {
			t.Errorf("redactURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
