package tracing

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/trace"
	"sync"
)

// FileMode is the permission a finished trace file gets (the temporary file
// is created 0600 by [os.CreateTemp]; [Recording.Stop] widens it before the
// rename).
const FileMode os.FileMode = 0o644

// Recording is an execution trace being written by runtime/trace.
//
// The trace goes to a temporary file next to the destination, so a reader of
// the destination never sees a half-written trace: [Recording.Stop] moves it
// into place, [Recording.Abort] throws it away. A process can hold only one
// running execution trace at a time (a runtime limit), so only one Recording
// can be active.
type Recording struct {
	path string // destination given to Start

	mu  sync.Mutex
	tmp *os.File // nil once stopped or aborted
	w   *errWriter
}

// errWriter keeps the first error of the writes runtime/trace makes:
// runtime/trace drops its writer's errors, so a trace written to a disk
// that fills would otherwise look finished and be cut short.
type errWriter struct {
	f   *os.File
	mu  sync.Mutex
	err error
}

func (w *errWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.f.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

func (w *errWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Start begins an execution trace that [Recording.Stop] will leave at path.
//
// It creates a temporary file ".NAME.tmp-*" in path's directory (so the final
// rename stays on one file system) and starts runtime/trace on it. If an
// execution trace is already running in this process (runtime/trace.Start
// fails), Start removes the temporary file and returns an error saying so.
// A running runtime/trace.FlightRecorder does not get in the way.
func Start(path string) (*Recording, error) {
	if path == "" {
		return nil, errors.New("start trace: empty file path, want the file to write the trace to")
	}
	dir, name := filepath.Split(path)
	if name == "" {
		return nil, fmt.Errorf("start trace %s: path names a directory, want a file", path)
	}
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("start trace %s: create temporary file: %w", path, err)
	}
	w := &errWriter{f: f}
	if err := trace.Start(w); err != nil {
		f.Close()
		os.Remove(f.Name())
		// runtime/trace says "execution tracer already enabled". (Do not
		// test trace.IsEnabled first: it is also true while only a
		// runtime/trace.FlightRecorder runs, and Start works alongside one.)
		return nil, fmt.Errorf("start trace %s: an execution trace is already running in this process (only one at a time): %w", path, err)
	}
	return &Recording{path: path, tmp: f, w: w}, nil
}

// TempName returns the name of the temporary file the trace is written to
// until [Recording.Stop] renames it, or "" once stopped or aborted:
// [LastBlocks] can read it while the trace runs, and a program that must
// exit at once (on SIGQUIT, say) can remove it.
func (r *Recording) TempName() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tmp == nil {
		return ""
	}
	return r.tmp.Name()
}

// Path returns the destination the trace is written to by [Recording.Stop].
func (r *Recording) Path() string { return r.path }

// Stop stops the execution trace, flushes it to disk and renames the
// temporary file to the destination path, replacing any file there. On
// failure, a write that failed while tracing included (a full disk), the
// temporary file is removed and the destination is left as it was.
// Calling Stop after Stop or Abort returns an error.
func (r *Recording) Stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tmp == nil {
		return fmt.Errorf("stop trace %s: recording already stopped or aborted", r.path)
	}
	f := r.tmp
	r.tmp = nil
	// trace.Stop returns only once every trace buffer has been written to f.
	trace.Stop()
	err := r.w.failed()
	if err != nil {
		err = fmt.Errorf("writing the trace: %w (the trace is incomplete and was removed)", err)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), FileMode)
	}
	if err == nil {
		err = os.Rename(f.Name(), r.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("stop trace %s: %w", r.path, err)
	}
	return nil
}

// Abort stops the execution trace and removes the temporary file; the
// destination path is not touched. It does nothing after Stop or Abort, so
// it can be deferred right after [Start].
func (r *Recording) Abort() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tmp == nil {
		return
	}
	f := r.tmp
	r.tmp = nil
	trace.Stop()
	f.Close()
	os.Remove(f.Name())
}
