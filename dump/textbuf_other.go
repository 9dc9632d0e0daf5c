//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package dump

func mapTextBuffer(int) ([]byte, bool) { return nil, false }

func unmapTextBuffer([]byte) {}
