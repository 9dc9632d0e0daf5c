package cmd

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"gsysint-demo/internal/procstat"
	"gsysint-demo/park"
)

// Costs of a parked goroutine, measured on Go 1.26 and 1.27: its g and its
// smallest stack take about 2.7 KB; its block in a debug=2 dump about 0.4 KB,
// held once in the dump buffer when the buffer is mapped outside the Go
// heap. Where the mapping fails (an address-space limit refuses the
// generous reservation) the buffer comes from the heap, sized 1.4 KB a
// goroutine up front and zeroed: about 3.5 times as much.
const (
	bytesPerGoroutine = 2700
	dumpBytesPerG     = 400
	heapDumpBytesPerG = 1400
)

// memoryLimit is one bound on the memory park may take, and where it
// comes from.
type memoryLimit struct {
	avail uint64
	what  string // "this machine has", "the cgroup allows", ...
}

// memoryLimits returns the bounds that apply to this process: the host's
// MemAvailable, the room left under its memory cgroup's limit, and the
// room left under RLIMIT_AS (ulimit -v). asLimited says whether the last
// one applies.
func memoryLimits() (limits []memoryLimit, asLimited bool) {
	if avail, err := procstat.Available(); err == nil {
		limits = append(limits, memoryLimit{avail, "this machine has"})
	}
	if avail, path, ok := cgroupRoom("/proc/self/cgroup", "/sys/fs/cgroup"); ok {
		limits = append(limits, memoryLimit{avail, "its memory cgroup " + path + " has room for"})
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &rl); err == nil && rl.Cur != ^uint64(0) {
		used, _ := virtualSize()
		room := uint64(0)
		if rl.Cur > used {
			room = rl.Cur - used
		}
		limits = append(limits, memoryLimit{room, fmt.Sprintf("its address-space limit (RLIMIT_AS, ulimit -v: %s) leaves", formatBytes(int64(min(rl.Cur, 1<<62))))})
		asLimited = true
	}
	return limits, asLimited
}

// checkMemory refuses, up front, counts whose goroutines and dump buffer
// would not fit under the smallest of the limits that apply.
func checkMemory(groups []park.Group) error {
	limits, asLimited := memoryLimits()
	if len(limits) == 0 {
		return nil // no /proc: nothing to check against
	}
	least := limits[0]
	for _, l := range limits[1:] {
		if l.avail < least.avail {
			least = l
		}
	}
	perDump := uint64(dumpBytesPerG)
	if asLimited {
		perDump = heapDumpBytesPerG
	}
	per := bytesPerGoroutine + perDump
	// Compare counts, not products: a product of huge counts would wrap.
	fits := int(min(least.avail/per, 1<<62))
	var want float64 // every group's goroutines, as float: the sum of huge counts would wrap
	for _, g := range groups {
		want += float64(g.Count)
	}
	total := 0
	for _, g := range groups {
		if g.Count > fits-total {
			return fmt.Errorf("--count %d: %.4g goroutines need about %s (%.1f KB each, and %.1f KB each for the dump), and %s %s",
				g.Count, want, formatGB(want*float64(per)), float64(bytesPerGoroutine)/1000, float64(perDump)/1000, least.what, formatBytes(int64(least.avail)))
		}
		total += g.Count
	}
	return nil
}

func formatGB(b float64) string {
	if b < 1e9 {
		return fmt.Sprintf("%.0f MB", b/1e6)
	}
	return fmt.Sprintf("%.3g GB", b/1e9)
}

// unlimitedCgroup is where cgroup v1 says "no limit" (the largest page
// multiple below 2^63); cgroup v2 says "max".
const unlimitedCgroup = 1 << 62

// cgroupRoom returns the room left under the tightest memory limit of
// this process's memory cgroup and its ancestors, read from the cgroup
// file system mounted at sysRoot, cgroup v2 or v1:
//
//	0::/user.slice/session-2.scope              (v2: memory.max "max" or bytes, memory.current)
//	4:memory:/docker/0123abcd                   (v1: memory.limit_in_bytes, memory.usage_in_bytes)
//
// Inside a container the path may not exist under sysRoot (a cgroup
// namespace shows the container's own cgroup as the root): the root is
// read then.
func cgroupRoom(procCgroup, sysRoot string) (room uint64, path string, ok bool) {
	f, err := os.Open(procCgroup)
	if err != nil {
		return 0, "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.SplitN(sc.Text(), ":", 3)
		if len(fields) != 3 {
			continue
		}
		var dir, limitFile, usageFile string
		switch {
		case fields[0] == "0" && fields[1] == "":
			dir, limitFile, usageFile = sysRoot, "memory.max", "memory.current"
			if _, err := os.Stat(filepath.Join(sysRoot, "unified")); err == nil {
				dir = filepath.Join(sysRoot, "unified")
			}
		case hasController(fields[1], "memory"):
			dir, limitFile, usageFile = filepath.Join(sysRoot, "memory"), "memory.limit_in_bytes", "memory.usage_in_bytes"
		default:
			continue
		}
		r, p, found := tightest(dir, fields[2], limitFile, usageFile)
		if found && (!ok || r < room) {
			room, path, ok = r, p, true
		}
	}
	return room, path, ok
}

func hasController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// tightest walks from cgroup rel up to the mount root at dir and returns
// the least room any level's limit leaves.
func tightest(dir, rel, limitFile, usageFile string) (room uint64, path string, ok bool) {
	rel = filepath.Clean("/" + rel)
	if _, err := os.Stat(filepath.Join(dir, rel)); err != nil {
		rel = "/"
	}
	for {
		limit, lerr := readCgroupNumber(filepath.Join(dir, rel, limitFile))
		usage, uerr := readCgroupNumber(filepath.Join(dir, rel, usageFile))
		if lerr == nil && uerr == nil && limit < unlimitedCgroup {
			r := uint64(0)
			if limit > usage {
				r = limit - usage
			}
			if !ok || r < room {
				room, path, ok = r, rel, true
			}
		}
		if rel == "/" {
			return room, path, ok
		}
		rel = filepath.Dir(rel)
	}
}

func readCgroupNumber(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return unlimitedCgroup, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

// virtualSize returns this process's address space in bytes, VmSize in
// /proc/self/status ("VmSize:  1234567 kB"): what RLIMIT_AS counts.
func virtualSize() (uint64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmSize:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("/proc/self/status has no VmSize line")
}
