package linked

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// helloBinary builds a minimal program, with its symbol table (go test
// links its own binary without one).
func helloBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a program")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nfunc main() { println(\"hello\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "hello")
	cmd := exec.Command("go", "build", "-o", bin, src)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GO111MODULE=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestElfSymbolSizes checks the reader against debug/elf on a real
// executable, for the two tables and a function: the witness of
// checkTables. (go test links its own binary without a symbol table, so
// checkTables itself skips the witness in tests; the e2e tests run it.)
func TestElfSymbolSizes(t *testing.T) {
	bin := helloBinary(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"runtime.waitReasonStrings", "runtime.traceBlockReasonStrings", "runtime.gopark"}
	want := make([]uint64, len(names))
	for _, s := range syms {
		for i, n := range names {
			if s.Name == n {
				want[i] = s.Size
			}
		}
	}
	got, err := fileSymbolSizes(bin, names)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		if got[i] != want[i] || want[i] == 0 {
			t.Errorf("%s: %d bytes, debug/elf says %d", n, got[i], want[i])
		}
	}
	if got[0] != uint64(len(Vetted().Wait))*uint64(stringSize) || got[1] != uint64(len(Vetted().Trace))*uint64(stringSize) {
		t.Errorf("table sizes %d and %d, want %d and %d entries of %d bytes", got[0], got[1], len(Vetted().Wait), len(Vetted().Trace), stringSize)
	}
	if _, err := fileSymbolSizes(bin, []string{"no.such.symbol"}); err == nil {
		t.Error("a missing symbol gave no error")
	}
}

// TestElfSymbolSizesMalformed checks that a cut or damaged file gives an
// error, never a panic or a wrong answer.
func TestElfSymbolSizesMalformed(t *testing.T) {
	img, err := os.ReadFile(helloBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"runtime.waitReasonStrings"}
	want, err := elfSymbolSizes(img, names)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(img); n += 1 + n/7 {
		if got, err := elfSymbolSizes(img[:n], names); err == nil && got[0] != want[0] {
			t.Errorf("cut at %d bytes: %d, want an error or %d", n, got[0], want[0])
		}
	}
	damaged := append([]byte(nil), img...)
	for _, off := range []int{0x28, 0x2f, 0x3a, 0x3c, 0x3d} { // e_shoff, e_shentsize, e_shnum
		damaged[off] ^= 0xff
		if got, err := elfSymbolSizes(damaged, names); err == nil && got[0] != want[0] {
			t.Errorf("byte %#x flipped: %d, want an error or %d", off, got[0], want[0])
		}
		damaged[off] = img[off]
	}
}
