package cmd

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tempsChildEnv makes the test binary the child of TestSignalLeavesNoTemp:
// it creates a file as report --html does, says the temporary name, and
// waits for the signal.
const tempsChildEnv = "GSYSINT_TEMPS_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(tempsChildEnv); dir != "" {
		f, err := createAtomic(filepath.Join(dir, "page.html"))
		if err != nil {
			os.Stdout.WriteString("error: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString(f.Name() + "\n")
		select {}
	}
	os.Exit(m.Run())
}

// A command that does not handle the stop signals (report --html, report
// --out) dies of them as before, its temporary file removed first.
func TestSignalLeavesNoTemp(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			c := exec.Command(os.Args[0], "-test.run=^$")
			c.Env = append(os.Environ(), tempsChildEnv+"="+dir)
			out, err := c.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			timer := time.AfterFunc(time.Minute, func() { c.Process.Kill() })
			defer timer.Stop()
			line, err := bufio.NewReader(out).ReadString('\n')
			tmp := strings.TrimSpace(line)
			if err != nil || filepath.Dir(tmp) != dir {
				c.Process.Kill()
				c.Wait()
				t.Fatalf("child said %q (%v), want a temporary file in %s", line, err, dir)
			}
			if _, err := os.Stat(tmp); err != nil {
				t.Fatalf("the child's temporary file before the signal: %v", err)
			}
			c.Process.Signal(sig)
			err = c.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("child ended with %v after %v, want death by the signal", err, sig)
			}
			if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != sig {
				t.Errorf("child ended with %v after %v, want death by the signal", err, sig)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("after %v the directory holds %v, want nothing", sig, left)
			}
		})
	}
}
