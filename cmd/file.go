package cmd

import (
	"os"
	"path/filepath"
)

// atomicFile is written under a temporary name in its directory and renamed
// into place by commit, so that nobody ever sees half of it. discard removes
// what commit did not keep.
type atomicFile struct {
	*os.File
	path      string
	committed bool
}

func createAtomic(path string) (*atomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &atomicFile{File: f, path: path}, nil
}

func (f *atomicFile) commit() error {
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), f.path); err != nil {
		return err
	}
	f.committed = true
	return nil
}

func (f *atomicFile) discard() {
	if !f.committed {
		f.Close()
		os.Remove(f.Name())
	}
}
