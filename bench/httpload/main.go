// Command httpload measures park --http under many clients (issue 17):
// the peak resident memory of many concurrent goroutine?debug=2 requests
// against that of one, beyond the parked goroutines themselves, and the
// CPU the server spends after many waiting clients hang up at once.
//
//	go run ./bench/httpload -gsd ./gsysint-demo -n 100000 -clients 200 -drop 300
//
// It starts gsysint-demo park -n N --http 127.0.0.1:0 --serve-only, reads
// its resident set from /proc (VmRSS; VmHWM, the peak, is reset between
// measurements through /proc/PID/clear_refs) and its CPU time from
// /proc/PID/stat. It talks to 127.0.0.1 only. scripts/bench.sh runs it.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	gsd := flag.String("gsd", "gsysint-demo", "the gsysint-demo binary")
	n := flag.Int("n", 100000, "goroutines parked")
	clients := flag.Int("clients", 200, "concurrent goroutine?debug=2 requests")
	drop := flag.Int("drop", 300, "requests dropped at once")
	flag.Parse()
	if err := run(*gsd, *n, *clients, *drop); err != nil {
		fmt.Fprintf(os.Stderr, "httpload: %v\n", err)
		os.Exit(1)
	}
}

var servingRE = regexp.MustCompile(`^serving pprof on (http://\S+/debug/pprof/)$`)

func run(gsd string, n, clients, drop int) error {
	cmd := exec.Command(gsd, "park", "-n", strconv.Itoa(n), "--http", "127.0.0.1:0", "--serve-only")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	lines := bufio.NewScanner(stderr)
	base := ""
	for base == "" && lines.Scan() {
		if m := servingRE.FindStringSubmatch(lines.Text()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		return fmt.Errorf("%s ended its stderr before serving", strings.Join(cmd.Args, " "))
	}
	go io.Copy(io.Discard, stderr)
	pid := cmd.Process.Pid
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: max(clients, drop)}}
	url := base + "goroutine?debug=2"

	parked, err := procStatus(pid, "VmRSS")
	if err != nil {
		return err
	}
	peak := func(requests int) (int64, error) {
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
			return 0, fmt.Errorf("resetting the peak: %w", err)
		}
		errs := make(chan error, requests)
		var wg sync.WaitGroup
		for range requests {
			wg.Go(func() { errs <- get(context.Background(), client, url) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				return 0, err
			}
		}
		hwm, err := procStatus(pid, "VmHWM")
		return hwm - parked, err
	}
	one, err := peak(1)
	if err != nil {
		return err
	}
	many, err := peak(clients)
	if err != nil {
		return err
	}
	fmt.Printf("- --http, %d goroutines parked (resident %s): peak resident beyond them, 1 debug=2 request %s, %d concurrent %s: ratio %.2f (goal ≤ 2)\n",
		n, mib(parked), mib(one), clients, mib(many), float64(many)/float64(one))

	// Drop: start the requests, wait until the server has them all, then
	// hang up on all of them at once.
	before, err := goroutines(client, base)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range drop {
		wg.Go(func() { get(ctx, client, url) })
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		g, err := goroutines(client, base)
		if err != nil {
			cancel()
			return err
		}
		if g >= before+drop || time.Now().After(deadline) {
			break
		}
	}
	cancel()
	wg.Wait()
	t0, err := cpuTicks(pid)
	if err != nil {
		return err
	}
	time.Sleep(time.Second) // measuring: the CPU of the second after the drop, and of the next one
	t1, _ := cpuTicks(pid)
	time.Sleep(time.Second)
	t2, _ := cpuTicks(pid)
	fmt.Printf("- --http, %d requests dropped at once: server CPU %s in the first second after, %s in the next (goal: ~0 from the first second on)\n",
		drop, ticks(t1-t0), ticks(t2-t1))
	return nil
}

// get reads url to the end.
func get(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// goroutineCountRE reads the goroutine count off net/http/pprof's index
// page: <tr><td>13</td><td><a href='goroutine?debug=1'>goroutine</a></td></tr>
var goroutineCountRE = regexp.MustCompile(`<tr><td>(\d+)</td><td><a href='goroutine\?debug=1'>goroutine</a>`)

func goroutines(client *http.Client, base string) (int, error) {
	resp, err := client.Get(base)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	m := goroutineCountRE.FindSubmatch(b)
	if m == nil {
		return 0, fmt.Errorf("no goroutine count on %s", base)
	}
	return strconv.Atoi(string(m[1]))
}

// procStatus returns a "kB" field of /proc/PID/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// cpuTicks is the process's user and system time, in clock ticks.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name, which is in parentheses: state
	// is the first, utime the 12th and stime the 13th.
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields after the name, want at least 13", pid, len(f))
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q, stime %q", pid, f[11], f[12])
	}
	return u + s, nil
}

// ticks prints clock ticks (USER_HZ, 100 on Linux) as seconds.
func ticks(t int64) string { return fmt.Sprintf("%.2f s", float64(t)/100) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
