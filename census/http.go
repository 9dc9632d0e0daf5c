package census

import (
	"bytes"
	"fmt"
	"net/http"
)

// Handler serves a census at each request, taken with opts:
//
//	?format=text (default) | json | proto    (proto: gzipped pprof, as debug=0)
//	?shape=groups (default) | goroutines
//	?system=1 | true                          include the runtime's own goroutines (0 | false: not)
//
// go tool pprof reads the proto form from its URL:
// go tool pprof -top 'http://HOST/debug/census?format=proto'.
func Handler(opts ...Option) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		format, shape := q.Get("format"), q.Get("shape")
		if format == "" {
			format = "text"
		}
		if shape == "" {
			shape = "groups"
		}
		if format != "text" && format != "json" && format != "proto" {
			http.Error(w, fmt.Sprintf("format %q: want text, json or proto", format), http.StatusBadRequest)
			return
		}
		if shape != "groups" && shape != "goroutines" {
			http.Error(w, fmt.Sprintf("shape %q: want groups or goroutines", shape), http.StatusBadRequest)
			return
		}
		o := opts
		switch system := q.Get("system"); system {
		case "1", "true":
			o = append(o[:len(o):len(o)], WithSystem())
		case "", "0", "false":
		default:
			http.Error(w, fmt.Sprintf("system %q: want 1 or true (the runtime's goroutines too), 0 or false", system), http.StatusBadRequest)
			return
		}
		var buf bytes.Buffer
		var err error
		if shape == "groups" {
			var gs *Groups
			if gs, err = TakeGroups(o...); err == nil {
				err = write(&buf, format, gs.WriteText, gs.WriteJSON, gs.WriteProto)
			}
		} else {
			var s *Snapshot
			if s, err = Take(o...); err == nil {
				err = write(&buf, format, s.WriteText, s.WriteJSON, s.WriteProto)
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		switch format {
		case "text":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		case "json":
			w.Header().Set("Content-Type", "application/json")
		case "proto":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Disposition", `attachment; filename="census.pb.gz"`)
		}
		w.Write(buf.Bytes())
	})
}
