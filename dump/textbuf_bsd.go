//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package dump

const mapNoReserve = 0

func adviseHugePages([]byte) {}
