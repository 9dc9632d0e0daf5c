package cmd

import (
	"context"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"gsysint-demo/dump"
	"gsysint-demo/linked"
)

// pprofServer serves net/http/pprof's handlers, except that
// /debug/pprof/goroutine?debug=2 is our one-pass dump: complete at any
// size, where net/http/pprof's stops the world up to seven times and cuts
// off at 64 MiB.
type pprofServer struct {
	srv  *http.Server
	addr string
}

func startPprofServer(addr string) (*pprofServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/goroutine", serveGoroutine)
	mux.HandleFunc("/debug/pprof/goroutineleak", serveGoroutineLeak)
	s := &pprofServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, addr: ln.Addr().String()}
	go s.srv.Serve(ln)
	return s, nil
}

func serveGoroutine(w http.ResponseWriter, r *http.Request) {
	if debug, _ := strconv.Atoi(r.FormValue("debug")); debug != 2 {
		pprof.Handler("goroutine").ServeHTTP(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	dump.WriteGoroutineText(w)
}

// serveGoroutineLeak serves the goroutineleak profile under the lock that
// park releases leaked goroutines under: the runtime walks this profile
// with the world running.
func serveGoroutineLeak(w http.ResponseWriter, r *http.Request) {
	linked.LeakProfileLock.Lock()
	defer linked.LeakProfileLock.Unlock()
	pprof.Handler("goroutineleak").ServeHTTP(w, r)
}

// shutdown stops serving; it may be called more than once.
func (s *pprofServer) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
}
