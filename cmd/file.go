package cmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"gsysint-demo/tracing"
)

// fileMode is the permission of every file park leaves: dumps and the
// trace alike.
const fileMode = tracing.FileMode

// atomicFile is written under a temporary name in its directory and put in
// place by commit, so that nobody ever sees half of it. discard removes
// what commit did not keep.
type atomicFile struct {
	*os.File
	path      string
	committed bool
}

func createAtomic(path string) (*atomicFile, error) {
	var f *os.File
	err := temps.create(func() (string, error) {
		var err error
		f, err = os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
		if err != nil {
			return "", err
		}
		return f.Name(), nil
	})
	if err != nil {
		return nil, err
	}
	return &atomicFile{File: f, path: path}, nil
}

// commit puts the file in place under its name, which must not exist: a
// dump never replaces a file, even one that appeared while it was written.
func (f *atomicFile) commit() error {
	if err := f.finish(); err != nil {
		return err
	}
	// A link fails where the name exists, where a rename would replace it.
	err := os.Link(f.Name(), f.path)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s appeared while this dump was written (another run writing to the same directory?): not replaced", f.path)
	}
	if err != nil {
		// A file system without hard links: rename, having checked.
		if _, serr := os.Lstat(f.path); serr == nil {
			return fmt.Errorf("%s appeared while this dump was written (another run writing to the same directory?): not replaced", f.path)
		}
		if err := os.Rename(f.Name(), f.path); err != nil {
			return err
		}
	} else {
		os.Remove(f.Name())
	}
	f.done()
	return nil
}

// commitReplacing puts the file in place under its name, replacing what
// was there: for an output the user named on the command line (report
// --html FILE), which a second run is expected to rewrite.
func (f *atomicFile) commitReplacing() error {
	if err := f.finish(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), f.path); err != nil {
		return err
	}
	f.done()
	return nil
}

// finish makes the temporary file durable, closed and of fileMode.
func (f *atomicFile) finish() error {
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chmod(f.Name(), fileMode)
}

func (f *atomicFile) done() {
	temps.remove(f.Name())
	f.committed = true
}

func (f *atomicFile) discard() {
	if !f.committed {
		f.Close()
		os.Remove(f.Name())
		temps.remove(f.Name())
	}
}

// temps are the temporary files of this process that are not in place yet,
// for a signal that ends it at once to remove.
//
// A command that does not handle the stop signals itself (report --html,
// report --out) would die of SIGINT, SIGTERM or SIGHUP with its temporary
// file left behind: while temps holds a name, those signals and SIGQUIT are
// watched, and each removes the files, then ends the process as it would
// have (see endBy). park finishes its files on a stop signal and watches
// SIGQUIT for its whole run (onQuitRemoveTemps): it sets stopsHandled.
var temps = &tempFiles{names: map[string]bool{}}

type tempFiles struct {
	mu           sync.Mutex
	names        map[string]bool
	closing      bool   // removeAll ran: the process is about to end
	stopsHandled bool   // the command handles its stop signals and SIGQUIT itself
	unwatch      func() // stops the watch of the signals; nil while not watching
}

// errEnding refuses a new temporary file once removeAll has run.
var errEnding = errors.New("the process is ending: no new files")

// create runs mk, which creates a temporary file and returns its name, and
// records the name; mk runs under the lock removeAll takes, so no file is
// created after removeAll or left unrecorded when it runs.
func (t *tempFiles) create(mk func() (string, error)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closing {
		return errEnding
	}
	if !t.stopsHandled && t.unwatch == nil {
		// Before the file exists: a signal from now on finds it recorded.
		t.unwatch = removeTempsOn(nil, append(stopSignals[:len(stopSignals):len(stopSignals)], syscall.SIGQUIT)...)
	}
	name, err := mk()
	if err != nil {
		t.stopWatching()
		return err
	}
	t.names[name] = true
	return nil
}

func (t *tempFiles) remove(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.names, name)
	t.stopWatching()
}

// stopWatching stops the watch of the signals once no file is left; t.mu
// is held.
func (t *tempFiles) stopWatching() {
	if len(t.names) == 0 && t.unwatch != nil {
		t.unwatch()
		t.unwatch = nil
	}
}

// removeAll removes every recorded file and refuses new ones.
func (t *tempFiles) removeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closing = true
	for name := range t.names {
		os.Remove(name)
		delete(t.names, name)
	}
}

// removeTempsOn has each of sigs, as it arrives, remove this process's
// temporary files, run before (if not nil), and end the process as the
// signal does when nobody handles it. It returns the function that stops
// watching.
func removeTempsOn(before func(), sigs ...os.Signal) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			temps.removeAll()
			if before != nil {
				before()
			}
			endBy(s)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// endBy ends the process by signal s, as if nobody handled it: the
// runtime's own handling comes back (for SIGINT, SIGTERM and SIGHUP, death
// by the signal, which the shell sees; for SIGQUIT, the goroutine dump) and
// s is raised again.
func endBy(s os.Signal) {
	signal.Reset(s)
	syscall.Kill(os.Getpid(), s.(syscall.Signal))
}
