package cmd

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"gsysint-demo/park"
)

// Costs of a parked goroutine, measured on Go 1.26 and 1.27: its g and its
// smallest stack take about 2.7 KB; its block in a debug=2 dump about 0.4 KB,
// held once in the dump buffer.
const (
	bytesPerGoroutine = 2700
	dumpBytesPerG     = 400
)

// checkMemory refuses, up front, counts whose goroutines and dump buffer
// would not fit in the memory the machine has available.
func checkMemory(groups []park.Group) error {
	const per = bytesPerGoroutine + dumpBytesPerG
	avail, ok := availableMemory()
	if !ok {
		return nil
	}
	// Compare counts, not products: a product of huge counts would wrap.
	fits := int(avail / per)
	total := 0
	for _, g := range groups {
		if g.Count > fits-total {
			want := float64(g.Count) * float64(len(groups))
			return fmt.Errorf("--count %d: %.4g goroutines need about %.3g GB (%.1f KB each, and %.1f KB each in a debug=2 dump), and this machine has %s available",
				g.Count, want, want*per/1e9, float64(bytesPerGoroutine)/1000, float64(dumpBytesPerG)/1000, formatBytes(int64(avail)))
		}
		total += g.Count
	}
	return nil
}

// availableMemory reads MemAvailable from /proc/meminfo
// ("MemAvailable:   24312345 kB").
func availableMemory() (uint64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, false
		}
		return kb * 1024, true
	}
	return 0, false
}

// residentBytes returns the process's resident set size, from
// /proc/self/statm ("size resident shared ..." in pages); 0 if unknown.
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}
