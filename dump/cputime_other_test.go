//go:build !unix

package dump

import "testing"

// processCPU is not measured here: cpu-ns/op reads 0.
func processCPU(testing.TB) int64 { return 0 }
