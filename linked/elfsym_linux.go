package linked

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// symbolSizes returns the sizes of the named symbols in the running
// executable's ELF symbol table. The executable is mapped, not read: only
// the section headers, the symbol table and its strings are touched, and
// they come from the page cache. (debug/elf would read both tables into
// memory and make a string of every symbol's name, and its packages'
// initialisation would run at every start of every command.)
func symbolSizes(names ...string) ([]uint64, error) {
	// /proc/self/exe is this process's executable even if the file at its
	// path has since been replaced.
	return fileSymbolSizes("/proc/self/exe", names)
}

// fileSymbolSizes is symbolSizes for the executable at path exe.
func fileSymbolSizes(exe string, names []string) ([]uint64, error) {
	f, err := os.Open(exe)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	img, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %w", exe, err)
	}
	defer syscall.Munmap(img)
	sizes, err := elfSymbolSizes(img, names)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", exe, err)
	}
	return sizes, nil
}

var errNoSymtab = errors.New("no symbol table")

// elfSymbolSizes returns the st_size of each named symbol in img, a 64-bit
// little-endian ELF file (amd64 and arm64 executables). Every offset is
// checked against len(img): a malformed file gives an error.
func elfSymbolSizes(img []byte, names []string) ([]uint64, error) {
	const (
		ehdrSize   = 64
		shdrSize   = 64
		symSize    = 24
		shtSymtab  = 2
		elfClass64 = 2
		elfDataLSB = 1
	)
	if len(img) < ehdrSize || string(img[:4]) != "\x7fELF" {
		return nil, errors.New("not an ELF file")
	}
	if img[4] != elfClass64 || img[5] != elfDataLSB {
		return nil, errors.New("not a 64-bit little-endian ELF file")
	}
	le := binary.LittleEndian
	// slice returns img[off:off+n], or false if that is out of range.
	slice := func(off, n uint64) ([]byte, bool) {
		if off > uint64(len(img)) || n > uint64(len(img))-off {
			return nil, false
		}
		return img[off : off+n], true
	}
	shoff, shentsize, shnum := le.Uint64(img[0x28:]), uint64(le.Uint16(img[0x3a:])), uint64(le.Uint16(img[0x3c:]))
	if shentsize < shdrSize {
		return nil, fmt.Errorf("section header entries of %d bytes", shentsize)
	}
	headers, ok := slice(shoff, shnum*shentsize)
	if !ok {
		return nil, errors.New("section headers out of the file")
	}
	// section returns the contents of section i and its sh_type and
	// sh_link.
	section := func(i uint64) (data []byte, typ, link uint32, ok bool) {
		if i >= shnum {
			return nil, 0, 0, false
		}
		h := headers[i*shentsize:]
		data, ok = slice(le.Uint64(h[0x18:]), le.Uint64(h[0x20:]))
		return data, le.Uint32(h[4:]), le.Uint32(h[0x28:]), ok
	}
	for i := range shnum {
		symtab, typ, link, ok := section(i)
		if typ != shtSymtab {
			continue
		}
		if !ok {
			return nil, errors.New("symbol table out of the file")
		}
		strtab, _, _, ok := section(uint64(link))
		if !ok {
			return nil, errors.New("symbol names out of the file")
		}
		sizes := make([]uint64, len(names))
		found := make([]bool, len(names))
		for off := 0; off+symSize <= len(symtab); off += symSize {
			sym := symtab[off : off+symSize]
			start := uint64(le.Uint32(sym[0:]))
			if start >= uint64(len(strtab)) {
				continue
			}
			name := strtab[start:]
			if end := bytes.IndexByte(name, 0); end >= 0 {
				name = name[:end]
			}
			for k, n := range names {
				if !found[k] && string(name) == n {
					sizes[k], found[k] = le.Uint64(sym[16:]), true
				}
			}
		}
		for k, n := range names {
			if !found[k] {
				return nil, fmt.Errorf("symbol %s not in the symbol table", n)
			}
		}
		return sizes, nil
	}
	return nil, errNoSymtab
}
