package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// How the runner runs a program and measures it: wall time from start to
// exit, peak resident set, stderr.

// logf logs progress on stderr, with the time.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "  %s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// runCapture runs a program with stdout to /dev/null and returns its stderr.
func runCapture(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	return stderr.String(), nil
}

// timeCmd runs a program with stdout to /dev/null and returns its wall
// time in seconds.
func timeCmd(name string, args ...string) (float64, error) {
	wall, err := run1(name, args, func(*exec.Cmd) {})
	if err == nil {
		logf("%s %s: %.3f s", filepath.Base(name), strings.Join(args, " "), wall)
	}
	return wall, err
}

// peakRSS runs a program with stdout to /dev/null and returns its peak
// resident set in bytes: as GNU time measures it where installed (see
// gnuTime), else the child's ru_maxrss, an upper bound.
func peakRSS(name string, args ...string) (float64, error) {
	var rss float64
	var err error
	if gnuTime != "" {
		rss, err = gnuTimeRSS(name, args)
	} else {
		_, err = run1(name, args, func(cmd *exec.Cmd) {
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				rss = float64(ru.Maxrss) * 1024 // kilobytes on Linux
			}
		})
	}
	if err == nil {
		logf("%s %s: peak RSS %s", filepath.Base(name), strings.Join(args, " "), format(rss, "B"))
	}
	return rss, err
}

// rssMethod says how peakRSS measures, for the report.
func rssMethod() string {
	if gnuTime != "" {
		return "peak RSS as GNU time measures it (/usr/bin/time -f %M, one extra run per sample)"
	}
	return "peak RSS: the child's ru_maxrss (GNU time is not installed), an upper bound: never below the runner's own"
}

// run1 runs a program with stdout to /dev/null, passes it to done once it
// has exited, and returns its wall time in seconds.
func run1(name string, args []string, done func(*exec.Cmd)) (float64, error) {
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start).Seconds()
	if err != nil {
		return 0, fmt.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	done(cmd)
	return wall, nil
}

// gnuTime is GNU time's path, or "" if it is not installed. Go starts a
// child with vfork (clone with CLONE_VM|CLONE_VFORK), and the kernel
// charges the parent's peak resident set to the child's ru_maxrss when the
// child execs: a child's ru_maxrss is never below the runner's own (~8 MiB),
// which hides the figures of small commands. GNU time forks, so its child
// starts from GNU time's small memory.
var gnuTime = findGNUTime()

// findGNUTime returns /usr/bin/time if it is GNU time (BusyBox's and the
// BSDs' take other flags), else "".
func findGNUTime() string {
	const path = "/usr/bin/time"
	out, err := exec.Command(path, "--version").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("GNU")) {
		return ""
	}
	return path
}

// gnuTimeRSS runs a program under GNU time and returns its peak RSS in bytes.
func gnuTimeRSS(name string, args []string) (float64, error) {
	out, err := os.CreateTemp("", "rss")
	if err != nil {
		return 0, err
	}
	defer os.Remove(out.Name())
	out.Close()
	if _, err := run1(gnuTime, append([]string{"-f", "%M", "-o", out.Name(), name}, args...), func(*exec.Cmd) {}); err != nil {
		return 0, err
	}
	b, err := os.ReadFile(out.Name())
	if err != nil {
		return 0, err
	}
	kb, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	if err != nil {
		return 0, fmt.Errorf("GNU time printed %q: %v", b, err)
	}
	return kb * 1024, nil
}
