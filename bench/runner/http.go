package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"gsysint-demo/internal/events"
)

// measureHTTP measures a GET of ?debug=2 from park --http against
// net/http/pprof in the baseline, both holding -http goroutines parked.
func measureHTTP(c *config, t *table) error {
	o, b, ob, bb, oh, bh, err := runHTTP(c)
	if err != nil {
		return err
	}
	N := count(c.httpN)
	t.rows = append(t.rows,
		&row{work: "--http ?debug=2 GET vs net/http/pprof", n: c.httpN, ours: o, base: b, unit: "s", speedup: true,
			target: 5, targetText: "≥ 5× faster",
			note: fmt.Sprintf("headers ours %s, net/http/pprof %s", format(oh.median(), "count"), format(bh.median(), "count"))})
	t.extra = append(t.extra, fmt.Sprintf("http %s: ours %s (%s); net/http/pprof %s (%s)",
		N, list(o, "s"), format(ob.median(), "B"), list(b, "s"), format(bb.median(), "B")))
	return nil
}

// server is a program serving pprof while it holds goroutines parked.
type server struct {
	cmd  *exec.Cmd
	url  string
	errs bytes.Buffer
}

// startServer starts a program and waits for the stderr line from which
// addrOf reads its address.
func startServer(addrOf func(line string) (string, bool), name string, args ...string) (*server, error) {
	s := &server{cmd: exec.Command(name, args...)}
	pr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sent := false
		for sc.Scan() {
			s.errs.WriteString(sc.Text() + "\n")
			if addr, ok := addrOf(sc.Text()); ok && !sent {
				found <- addr
				sent = true
			}
		}
		if !sent {
			close(found)
		}
	}()
	select {
	case addr, ok := <-found:
		if !ok {
			s.cmd.Wait()
			return nil, fmt.Errorf("%s exited before serving", filepath.Base(name))
		}
		s.url = "http://" + addr + "/debug/pprof/goroutine?debug=2"
		return s, nil
	case <-time.After(5 * time.Minute):
		s.stop()
		return nil, fmt.Errorf("%s did not start serving", filepath.Base(name))
	}
}

func (s *server) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(2 * time.Minute):
		s.cmd.Process.Kill()
		return errors.New("did not stop on SIGTERM")
	}
}

// headerCounter counts goroutine headers in a stream, across writes.
type headerCounter struct {
	n, headers int
	tail       []byte // the last bytes of the previous write
}

var header = []byte("\ngoroutine ")

func (h *headerCounter) Write(p []byte) (int, error) {
	if h.n == 0 && bytes.HasPrefix(p, header[1:]) {
		h.headers++
	}
	// Headers that straddle the previous write and this one.
	if len(h.tail) > 0 {
		j := append(slices.Clone(h.tail), p[:min(len(p), len(header)-1)]...)
		h.headers += bytes.Count(j, header)
	}
	h.headers += bytes.Count(p, header)
	h.tail = append(h.tail[:0], p[max(0, len(p)-(len(header)-1)):]...)
	h.n += len(p)
	return len(p), nil
}

// get fetches url and returns the seconds to the body's last byte, its
// size and its goroutine headers. The body is counted as it streams in,
// not kept.
func get(url string) (float64, float64, float64, error) {
	client := &http.Client{Timeout: 5 * time.Minute}
	start := time.Now()
	resp, err := client.Get(url)
	if err != nil {
		return 0, 0, 0, err
	}
	var hc headerCounter
	_, err = io.Copy(&hc, resp.Body)
	resp.Body.Close()
	t := time.Since(start).Seconds()
	if err != nil {
		return 0, 0, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return t, float64(hc.n), float64(hc.headers), nil
}

// servingAddr reads the address park serves on from its serving_pprof
// event.
func servingAddr(line string) (string, bool) {
	ev, err := events.Decode([]byte(line))
	if err != nil {
		return "", false
	}
	s, ok := ev.(events.ServingPprof)
	return s.Addr, ok
}

// baselineAddr reads the address the baseline serves on from its line
// "BENCH mode=http addr=ADDR".
func baselineAddr(line string) (string, bool) {
	kv, ok := benchLine(line)
	if !ok || kv["mode"] != "http" || kv["addr"] == "" {
		return "", false
	}
	return kv["addr"], true
}

func runHTTP(c *config) (ours, base, oursBytes, baseBytes, oursH, baseH samples, err error) {
	n := strconv.Itoa(c.httpN)
	logf("gsysint-demo park -n %s --http 127.0.0.1:0 and baseline -mode http -n %s", n, n)
	o, err := startServer(servingAddr,
		c.gsd, "park", "--log-format", "json", "-n", n, "-r", c.reason, "--http", "127.0.0.1:0", "--dumps", "0", "--interval", "24h")
	if err != nil {
		return
	}
	defer o.stop()
	b, err := startServer(baselineAddr,
		c.baseline, "-mode", "http", "-n", n, "-reason", c.reason)
	if err != nil {
		return
	}
	defer b.stop()
	// One GET of each first, not counted: both servers have just parked
	// their goroutines, and their garbage collections may still run.
	for _, s := range []*server{o, b} {
		t, _, _, gerr := get(s.url)
		if gerr != nil {
			err = gerr
			return
		}
		logf("GET %s (warm-up, not counted): %.3f s", s.url, t)
	}
	for rep := range c.httpReps {
		srvs := []*server{o, b}
		if rep%2 == 1 {
			srvs = []*server{b, o}
		}
		for _, s := range srvs {
			t, size, h, gerr := get(s.url)
			if gerr != nil {
				err = gerr
				return
			}
			logf("GET %s: %.3f s, %s, %.0f headers", s.url, t, format(size, "B"), h)
			if s == o {
				ours, oursBytes, oursH = append(ours, t), append(oursBytes, size), append(oursH, h)
			} else {
				base, baseBytes, baseH = append(base, t), append(baseBytes, size), append(baseH, h)
			}
		}
	}
	return
}
