package procstat

import (
	"os"
	"testing"
)

func TestResidentGrowsWithTouchedMemory(t *testing.T) {
	before, err := Resident(0)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 64<<20)
	for i := range b {
		if i%4096 == 0 {
			b[i] = 1
		}
	}
	after, err := Resident(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if after-before < 32<<20 {
		t.Fatalf("resident %d → %d after touching 64 MiB", before, after)
	}
	_ = b[len(b)-1]
}

func TestAvailable(t *testing.T) {
	n, err := Available()
	if err != nil || n == 0 {
		t.Fatalf("Available() = %d, %v", n, err)
	}
}
