package cmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"gsysint-demo/census"
	"gsysint-demo/dump"
)

// pprofServer serves net/http/pprof's handlers, except that the goroutine
// and goroutineleak profiles are written by dump.Write, as park writes its
// dumps: goroutine?debug=2 is the one-pass dump, complete at any size, where
// net/http/pprof's stops the world up to seven times and cuts off at 64 MiB;
// and the goroutineleak profile is taken under the lock that park releases
// leaked goroutines under.
type pprofServer struct {
	srv  *http.Server
	addr string
}

// startPprofServer serves on addr; page, if not nil, serves "/" (the live
// page, package web), on the same mux as /debug/pprof/, and the census at
// /debug/census (census.Handler, taken with opts: ?format=text|json|proto,
// ?shape=groups|goroutines, ?system=1).
func startPprofServer(addr string, page http.Handler, opts ...census.Option) (*pprofServer, error) {
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
	mux.Handle("/debug/pprof/goroutine", profileHandler(dump.ProfileGoroutine))
	mux.Handle("/debug/pprof/goroutineleak", profileHandler(dump.ProfileGoroutineLeak))
	mux.Handle("/debug/census", census.Handler(opts...))
	if page != nil {
		mux.Handle("/{$}", page)
	}
	s := &pprofServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, addr: ln.Addr().String()}
	go s.srv.Serve(ln)
	return s, nil
}

// profileHandler serves profile name at ?debug=0 (the default), 1 or 2,
// with the headers net/http/pprof sends.
func profileHandler(name dump.Profile) http.HandlerFunc {
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
		if _, err := dump.Write(w, name, debug); errors.Is(err, dump.ErrNoLeakProfile) {
			// Nothing was written: the error is a page, not a download.
			w.Header().Del("Content-Disposition")
			http.Error(w, err.Error(), http.StatusNotFound)
		}
	}
}

// shutdown stops serving, within two seconds whatever the clients do: a
// client that stops reading a response has its connection closed. It may
// be called more than once.
func (s *pprofServer) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if s.srv.Shutdown(ctx) != nil {
		s.srv.Close()
	}
}
