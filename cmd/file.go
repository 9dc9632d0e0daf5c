package cmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

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
// for a signal that ends it at once (SIGQUIT) to remove.
var temps = &tempFiles{names: map[string]bool{}}

type tempFiles struct {
	mu      sync.Mutex
	names   map[string]bool
	closing bool // removeAll ran: the process is about to end
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
	name, err := mk()
	if err != nil {
		return err
	}
	t.names[name] = true
	return nil
}

func (t *tempFiles) remove(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.names, name)
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
