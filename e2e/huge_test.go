package e2e

import (
	"bufio"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHugeDumpComplete parks 250k goroutines and counts their headers in
// the debug=2 dump, streamed from stdout: every one is there (a dump cut
// off at 64 MiB, as pprof.Lookup("goroutine").WriteTo's is, would not be).
func TestHugeDumpComplete(t *testing.T) {
	if testing.Short() || os.Getenv("GSYSINT_SKIP_HUGE") != "" {
		t.Skip("skipped under -short and with GSYSINT_SKIP_HUGE")
	}
	t.Parallel()
	const count = 250000
	pr, pw := io.Pipe()
	type counts struct {
		parked, all int
		bytes       int64
		err         error
	}
	done := make(chan counts, 1)
	go func() {
		var c counts
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			c.bytes += int64(len(line)) + 1
			if m := headerRE.FindSubmatch(line); m != nil {
				c.all++
				if string(m[2]) == defaultReason {
					c.parked++
				}
			}
		}
		c.err = sc.Err()
		io.Copy(io.Discard, pr)
		done <- c
	}()
	p := start(t, pw, "park", "-n", strconv.Itoa(count), "--dumps", "1")
	code, stderr := p.waitWithin(60 * time.Second)
	pw.Close()
	c := <-done
	if code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, strings.Join(stderr, "\n"))
	}
	if c.err != nil {
		t.Fatalf("reading stdout: %v", c.err)
	}
	if c.parked != count {
		t.Errorf("%d headers [%s], want %d (%d headers in all, %d bytes)", c.parked, defaultReason, count, c.all, c.bytes)
	}
	dumps := matching(stderr, dumpLine)
	if len(dumps) != 1 || dumps[0][4] != strconv.Itoa(c.all) {
		t.Errorf("the dump line should count the %d goroutines in the dump; stderr:\n%s", c.all, strings.Join(stderr, "\n"))
	}
	if c.bytes <= 64<<20 {
		t.Logf("the dump is %d bytes, under the 64 MiB at which pprof.Lookup(\"goroutine\").WriteTo cuts off", c.bytes)
	}
	if n := released(t, stderr); n != count {
		t.Errorf("released %d, want %d", n, count)
	}
	if !regexp.MustCompile(`^parked 250000 goroutines: `).MatchString(strings.Join(asText(stderr), "\n")) {
		t.Errorf("stderr does not start with the parked line:\n%s", strings.Join(stderr, "\n"))
	}
}
