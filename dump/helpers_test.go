package dump

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// readFixture reads a file of the running toolchain's fixtures, or of the
// first fixture directory if there are none for it.
func readFixture(t testing.TB, name string) ([]byte, error) {
	t.Helper()
	dir := filepath.Join("testdata", fixtureVersion(runtime.Version()))
	if _, err := os.Stat(dir); err != nil {
		dir = fixtureDirs(t)[0]
	}
	return os.ReadFile(filepath.Join(dir, name))
}
