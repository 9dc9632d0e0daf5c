package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"syscall"
	"time"

	"gsysint-demo/census"
	"gsysint-demo/dump"
)

// pprofServer serves net/http/pprof's handlers, except that the goroutine
// and goroutineleak profiles are written by dump.Write, as park writes its
// dumps: goroutine?debug=2 is the one-pass dump, complete at any size, where
// net/http/pprof's stops the world up to seven times and cuts off at 64 MiB;
// and the goroutineleak profile is taken under the lock that park releases
// leaked goroutines under. Those dumps are taken one at a time and shared
// by the clients that wait for one ([sharedDumps]): many clients cost the
// memory of at most two dumps, each client is sent its dump at its own
// pace, and a client that leaves costs nothing more.
type pprofServer struct {
	srv   *http.Server
	addr  string
	base  context.Context    // every request's context derives from it
	stop  context.CancelFunc // cancels base
	dumps *sharedDumps
}

// Limits of the server. Headers must come within httpHeaderTimeout; a
// keep-alive connection idle for httpIdleTimeout is closed; at most
// maxHTTPConns(), half the open files allowed, are open at once, so that
// clients cannot take the descriptors park's own files need (the rest
// wait in the listen queue). A dump is written under the write deadlines
// of [sendChunk]; net/http/pprof's own pages are small, and a client that
// stalls one holds only its own connection.
const (
	httpHeaderTimeout = 10 * time.Second
	httpIdleTimeout   = 30 * time.Second
)

// startPprofServer serves on addr; page, if not nil, serves "/" (the live
// page, package web), on the same mux as /debug/pprof/, and the census at
// /debug/census (census.Handler, taken with opts: ?format=text|json|proto,
// ?shape=groups|goroutines, ?system=1), and the live page's census
// samples at /census/over-time. net/http's own log lines go to
// stderr only for a handler's panic (serverLog).
func startPprofServer(addr string, stderr io.Writer, page http.Handler, opts ...census.Option) (*pprofServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &pprofServer{addr: ln.Addr().String(), dumps: newSharedDumps()}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/debug/pprof/goroutine", s.profileHandler(dump.ProfileGoroutine))
	mux.Handle("/debug/pprof/goroutineleak", s.profileHandler(dump.ProfileGoroutineLeak))
	mux.Handle("/debug/census", census.Handler(opts...))
	if page != nil {
		mux.Handle("/{$}", page)
		// The live page's history of census samples, which the page
		// fetches to redraw its chart.
		if ot, ok := page.(interface{ OverTime() http.Handler }); ok {
			mux.Handle("/census/over-time", ot.OverTime())
		}
	}
	s.base, s.stop = context.WithCancel(context.Background())
	s.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// A dump sent earlier on this connection left its last write
			// deadline behind.
			http.NewResponseController(w).SetWriteDeadline(time.Time{})
			mux.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: httpHeaderTimeout,
		IdleTimeout:       httpIdleTimeout,
		BaseContext:       func(net.Listener) context.Context { return s.base },
		ErrorLog:          log.New(serverLog{stderr}, "", 0),
	}
	go s.srv.Serve(newLimitListener(ln, maxHTTPConns()))
	return s, nil
}

// serverLog keeps net/http's own lines (a client that hung up, a bad
// request, an accept error it retries) out of park's stderr, whose lines
// programs read; but a panic in a handler is a bug, and is shown.
type serverLog struct{ w io.Writer }

func (l serverLog) Write(p []byte) (int, error) {
	if bytes.HasPrefix(p, []byte("http: panic serving ")) {
		return l.w.Write(p)
	}
	return len(p), nil
}

// maxHTTPConns is half the open files allowed, and at least 8.
func maxHTTPConns() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > 1<<20 {
		return 1 << 19
	}
	return max(8, int(rl.Cur/2))
}

// limitListener accepts at most n connections open at once. Close ends an
// Accept that waits for a slot (Server.Shutdown waits for Serve to return).
type limitListener struct {
	net.Listener
	slots  chan struct{}
	closed chan struct{}
	close  func() error
}

func newLimitListener(ln net.Listener, n int) *limitListener {
	l := &limitListener{Listener: ln, slots: make(chan struct{}, n), closed: make(chan struct{})}
	l.close = sync.OnceValue(func() error {
		close(l.closed)
		return ln.Close()
	})
	return l
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitedConn{Conn: c, release: sync.OnceFunc(func() { <-l.slots })}, nil
}

func (l *limitListener) Close() error { return l.close() }

type limitedConn struct {
	net.Conn
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}

// profileHandler serves profile name at ?debug=0 (the default), 1 or 2,
// with the headers net/http/pprof sends, through s.dumps.
func (s *pprofServer) profileHandler(name dump.Profile) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		debug := dump.DebugProto
		if v := r.FormValue("debug"); v != "" {
			var err error
			if debug, err = dump.ParseDebug(v); err != nil {
				msg := err.Error()
				if ve := (*dump.ValueError)(nil); errors.As(err, &ve) {
					msg = "debug=" + ve.Reason() // as the query names it
				}
				http.Error(w, msg, http.StatusBadRequest)
				return
			}
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if debug == dump.DebugProto {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
		} else {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
		err := s.dumps.serve(w, r, name, debug, func() bool { return s.base.Err() != nil })
		switch {
		case errors.Is(err, dump.ErrNoLeakProfile):
			// Nothing was written: the error is a page, not a download.
			w.Header().Del("Content-Disposition")
			http.Error(w, err.Error(), http.StatusNotFound)
		case errors.Is(err, context.Canceled) && s.base.Err() != nil:
			// The server stopped before this request's dump started:
			// nothing was written, and an empty 200 would read as an
			// empty dump.
			w.Header().Del("Content-Disposition")
			http.Error(w, "park is stopping: no dump was taken", http.StatusServiceUnavailable)
		}
	}
}

// shutdown stops serving, within two seconds whatever the clients do: a
// client that stops reading a response has its connection closed. It may
// be called more than once. Requests still waiting for a dump are ended
// first, with a 503 that says so, and no dump is taken for them.
func (s *pprofServer) shutdown() {
	s.stop() // requests still waiting for a dump leave at once
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if s.srv.Shutdown(ctx) != nil {
		s.srv.Close()
	}
}
