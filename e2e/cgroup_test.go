package e2e

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMemoryLimitCgroup runs park in a memory cgroup of the test's own
// making, a child of the test's cgroup limited to cgroupLimit: a count
// whose goroutines cannot fit the limit is refused up front as bad input,
// naming the count and the cgroup (it was OOM-killed with nothing on
// stderr), and a count that fits parks, dumps and releases in the same
// cgroup.
//
// It needs root and a writable memory controller (cgroup v2 if the test's
// cgroup has one there, else v1). Without them it skips, except under
// CI=true as root with the controller mounted writable, where it fails.
func TestMemoryLimitCgroup(t *testing.T) {
	t.Parallel()
	own, err := ownMemoryCgroup()
	if err != nil {
		noCgroup(t, own, "%v", err)
	}
	cg := newChildCgroup(t, own, cgroupLimit)
	// A parked goroutine and its part of the dump take about 3.1 KB:
	// 100000 need some 310 MB, five times what fits under 64 MiB, and
	// would have been OOM-killed well before all were parked.
	const tooMany = 100000
	dir := t.TempDir()
	r := execute(t, nil, nil, "", "sh", "-c", inCgroup, cg.procs(), bin, "park", "-n", strconv.Itoa(tooMany), "-o", dir)
	wantExit(t, r, 2)
	// "... and its memory cgroup /process_api/ee7f/gsysint-e2e-123 has room for 61.5 MB"
	wantOneLine(t, r, "--count "+strconv.Itoa(tooMany), "memory cgroup "+cg.path+" has room for ")
	m := roomRE.FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("no %q in the refusal:\n%v", roomRE, r)
	}
	room := parseBytes(t, m[1], m[2])
	// The room is the limit less what park used when it checked: a few MB.
	if room > cgroupLimit || room < cgroupLimit/2 {
		t.Errorf("the refusal gives %s %s of room under a limit of %d bytes: want at most the limit, and more than half of it", m[1], m[2], cgroupLimit)
	}
	wantEmptyDir(t, dir)

	// A tenth of tooMany fits, with room to spare for the runtime.
	const fits = tooMany / 10
	dir = t.TempDir()
	r = execute(t, nil, nil, "", "sh", "-c", inCgroup, cg.procs(), bin, "park", "--log-format", "json", "-n", strconv.Itoa(fits), "--dumps", "1", "-o", dir)
	wantExit(t, r, 0)
	if n := released(t, r.stderrLines()); n != fits {
		t.Errorf("released %d, want %d", n, fits)
	}
	dump, err := os.ReadFile(filepath.Join(dir, "goroutine-0001.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if n := countHeaders(string(dump), defaultReason); n != fits {
		t.Errorf("the dump has %d headers [%s], want %d", n, defaultReason, fits)
	}
	if peak, err := cg.peak(); err == nil {
		t.Logf("%d goroutines parked and dumped under %s: the cgroup's peak usage was %.1f MB of %.1f MB", fits, cg.path, float64(peak)/(1<<20), float64(cgroupLimit)/(1<<20))
	}
}

// cgroupLimit is the memory limit of the test's cgroup.
const cgroupLimit = 64 << 20

// inCgroup is a shell script that moves itself into the cgroup whose
// cgroup.procs file is $0, then runs "$@" there: the process and all it
// starts are charged to that cgroup from their first page on.
const inCgroup = `echo $$ > "$0" && exec "$@"`

// roomRE finds the room the refusal gives, as formatBytes writes it.
var roomRE = regexp.MustCompile(`has room for ([0-9.]+) (B|KB|MB|GB)\b`)

func parseBytes(t *testing.T, num, unit string) uint64 {
	t.Helper()
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		t.Fatalf("room %q %s: %v", num, unit, err)
	}
	shift := map[string]uint{"B": 0, "KB": 10, "MB": 20, "GB": 30}[unit]
	return uint64(f * float64(uint64(1)<<shift))
}

// memoryCgroup is a memory cgroup: its directory and its path in the
// hierarchy, as /proc/PID/cgroup gives it.
type memoryCgroup struct {
	version int    // 1 or 2; 0 when no memory controller is mounted
	dir     string // /sys/fs/cgroup/memory/process_api/ee7f
	path    string // /process_api/ee7f
	// writable says the hierarchy is mounted read-write (not that this
	// process may write it).
	writable bool
}

func (c memoryCgroup) procs() string { return filepath.Join(c.dir, "cgroup.procs") }

func (c memoryCgroup) limitFile() string {
	if c.version == 2 {
		return filepath.Join(c.dir, "memory.max")
	}
	return filepath.Join(c.dir, "memory.limit_in_bytes")
}

// peak is the most memory the cgroup has used.
func (c memoryCgroup) peak() (uint64, error) {
	name := "memory.max_usage_in_bytes"
	if c.version == 2 {
		name = "memory.peak" // Linux 5.19 on
	}
	b, err := os.ReadFile(filepath.Join(c.dir, name))
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
}

// noCgroup ends a test that has no memory cgroup of its own: a failure
// under CI=true where it runs as root and the memory controller is mounted
// read-write (CI can give it a cgroup, so it must run there), a skip
// elsewhere.
func noCgroup(t *testing.T, own memoryCgroup, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" && os.Geteuid() == 0 && own.version != 0 && own.writable {
		t.Fatalf("CI=true, root and a read-write memory controller, and still no memory cgroup for the test: %s", msg)
	}
	t.Skipf("skipped, no memory cgroup of the test's own: %s (needs root and a read-write memory controller; under CI=true with both this fails)", msg)
}

// ownMemoryCgroup finds this process's memory cgroup: in the cgroup v2
// hierarchy if its cgroup there has the memory controller, else in the v1
// memory hierarchy. The error says why there is none; version is 0 then
// if no memory controller is mounted.
func ownMemoryCgroup() (memoryCgroup, error) {
	mounts, err := cgroupMounts()
	if err != nil {
		return memoryCgroup{}, err
	}
	paths, err := ownCgroupPaths()
	if err != nil {
		return memoryCgroup{}, err
	}
	// 0::/user.slice/session-2.scope
	if p, ok := paths[""]; ok {
		for _, m := range mounts {
			if m.fstype != "cgroup2" {
				continue
			}
			dir, ok := m.dirOf(p)
			if !ok {
				continue
			}
			if has, _ := listsWord(filepath.Join(dir, "cgroup.controllers"), "memory"); has {
				return memoryCgroup{2, dir, p, m.writable}, nil
			}
		}
	}
	// 4:memory:/docker/0123abcd
	p, inV1 := paths["memory"]
	for _, m := range mounts {
		if m.fstype != "cgroup" || !slices.Contains(m.superOptions, "memory") {
			continue
		}
		c := memoryCgroup{version: 1, writable: m.writable}
		if !inV1 {
			return c, fmt.Errorf("the v1 memory controller is mounted at %s, and /proc/self/cgroup names no memory cgroup", m.mountPoint)
		}
		dir, ok := m.dirOf(p)
		if !ok {
			return c, fmt.Errorf("memory cgroup %s is not under the mount at %s (its root is %s)", p, m.mountPoint, m.root)
		}
		c.dir, c.path = dir, p
		return c, nil
	}
	return memoryCgroup{}, errors.New("no memory controller mounted (neither a cgroup2 hierarchy with memory for this process nor a v1 memory hierarchy in /proc/self/mountinfo)")
}

// ownCgroupPaths reads /proc/self/cgroup: the path of this process's
// cgroup under each v1 controller, and under "" its v2 path.
//
//	4:memory:/process_api/ee7f
//	0::/
func ownCgroupPaths() (map[string]string, error) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	paths := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		if f[0] == "0" && f[1] == "" {
			paths[""] = f[2]
			continue
		}
		for _, c := range strings.Split(f[1], ",") {
			paths[c] = f[2]
		}
	}
	return paths, nil
}

// cgroupMount is a cgroup file system mounted in this process's namespace.
type cgroupMount struct {
	root, mountPoint string // the mounted cgroup's path in its hierarchy, and where it is
	fstype           string // cgroup or cgroup2
	writable         bool
	superOptions     []string // v1: the controllers, among others
}

// dirOf is the directory of cgroup path p under m.
func (m cgroupMount) dirOf(p string) (string, bool) {
	rel, err := filepath.Rel(m.root, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return filepath.Join(m.mountPoint, rel), true
}

// cgroupMounts reads the cgroup mounts from /proc/self/mountinfo:
//
//	35 25 0:30 / /sys/fs/cgroup/memory rw,relatime shared:11 - cgroup cgroup rw,memory
func cgroupMounts() ([]cgroupMount, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	var mounts []cgroupMount
	for _, line := range strings.Split(string(b), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 6 || len(g) < 3 || (g[0] != "cgroup" && g[0] != "cgroup2") {
			continue
		}
		mounts = append(mounts, cgroupMount{
			root:         unescapeMountinfo(f[3]),
			mountPoint:   unescapeMountinfo(f[4]),
			fstype:       g[0],
			writable:     slices.Contains(strings.Split(f[5], ","), "rw"),
			superOptions: strings.Split(g[2], ","),
		})
	}
	return mounts, nil
}

// unescapeMountinfo undoes mountinfo's octal escapes of space, tab,
// newline and backslash ("\040").
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// listsWord says whether the file at path lists word among its
// space-separated words (cgroup.controllers, cgroup.subtree_control).
func listsWord(path, word string) (bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	return slices.Contains(strings.Fields(string(b)), word), nil
}

// newChildCgroup makes a child of own limited to limit bytes, and removes
// it when the test ends, ending first whatever still runs in it. Only the
// child is written: own's limits stay as they are. It ends the test (see
// noCgroup) where the child cannot be made.
func newChildCgroup(t *testing.T, own memoryCgroup, limit uint64) memoryCgroup {
	t.Helper()
	if own.version == 2 {
		// A v2 cgroup gives its children the controllers its
		// cgroup.subtree_control lists; one that holds processes, as
		// ours does unless it is the root, cannot list any.
		has, err := listsWord(filepath.Join(own.dir, "cgroup.subtree_control"), "memory")
		if err != nil || !has {
			noCgroup(t, own, "cgroup v2 %s does not give its children the memory controller (cgroup.subtree_control: %v)", own.dir, orErr(has, err))
		}
	}
	dir, err := os.MkdirTemp(own.dir, "gsysint-e2e-")
	if err != nil {
		noCgroup(t, own, "cannot make a child of memory cgroup %s: %v", own.dir, err)
	}
	cg := memoryCgroup{own.version, dir, filepath.Join(own.path, filepath.Base(dir)), own.writable}
	t.Cleanup(func() { removeCgroup(t, cg) })
	if err := os.WriteFile(cg.limitFile(), []byte(strconv.FormatUint(limit, 10)), 0); err != nil {
		t.Fatalf("limiting the test's cgroup %s to %d bytes: %v", cg.dir, limit, err)
	}
	return cg
}

func orErr(has bool, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("memory listed: %v", has)
}

// removeCgroup kills what still runs in cg, which the test started, and
// removes cg, within exitBound: rmdir refuses a cgroup with processes
// (EBUSY), and a killed process leaves it a moment after its signal.
func removeCgroup(t *testing.T, cg memoryCgroup) {
	deadline := time.Now().Add(exitBound)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		err := syscall.Rmdir(cg.dir)
		if err == nil || errors.Is(err, syscall.ENOENT) {
			return
		}
		b, rerr := os.ReadFile(cg.procs())
		pids := strings.Fields(string(b))
		if !errors.Is(err, syscall.EBUSY) || rerr != nil || time.Now().After(deadline) {
			t.Errorf("cannot remove the test's cgroup %s: %v; processes still in it: %v", cg.dir, err, pids)
			return
		}
		for _, s := range pids {
			if pid, err := strconv.Atoi(s); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		<-tick.C
	}
}
