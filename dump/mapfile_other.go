//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package dump

import "os"

func mapFile(*os.File) ([]byte, func(), func(int, int), bool) { return nil, nil, nil, false }
