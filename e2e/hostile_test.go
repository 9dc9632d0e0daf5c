package e2e

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"gsysint-demo/internal/events"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/exp/trace"
)

// Hostile and huge input, many clients (issue 17): the --http server's
// limits, checked against a real server on 127.0.0.1.

// httpClients is how many clients the --http tests start at once.
const httpClients = 50

// stallCount is the goroutines parked by the tests that stall a dump: their
// debug=2 dump (~13 MB) must be well over what the kernel buffers for one
// connection (up to 4 MiB sent, here), or a client that reads nothing
// cannot hold the server's write.
const stallCount = 50000

// goroutineCountRE reads the goroutine count off net/http/pprof's index
// page: <tr><td>13</td><td><a href='goroutine?debug=1'>goroutine</a></td></tr>
var goroutineCountRE = regexp.MustCompile(`<tr><td>(\d+)</td><td><a href='goroutine\?debug=1'>goroutine</a>`)

// goroutines is the number of goroutines of the server at base, from its
// index page (which takes no dump).
func goroutines(t *testing.T, base string) int {
	t.Helper()
	m := goroutineCountRE.FindStringSubmatch(httpGet(t, base))
	if m == nil {
		t.Fatalf("no goroutine count on the index page %s", base)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// stallDump asks addr for a debug=2 dump over a connection with a 4 KiB
// receive buffer, reads the status line, and reads no more: the server is
// left blocked writing the dump (see stallCount).
func stallDump(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET /debug/pprof/goroutine?debug=2 HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	conn.SetReadDeadline(time.Now().Add(lineBound))
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(status, "200") {
		t.Fatalf("stalled dump: response %q, %v: want 200", status, err)
	}
	return conn
}

// TestHTTPClientsShareADump: while one client stalls a dump, 50 clients
// ask for one too; they wait, and when the stalled client hangs up, one
// dump is taken for all of them: every one of them gets the same bytes (a
// dump taken per request differs, if only in the goroutine that took it,
// which debug=2 prints first, as running), each complete.
func TestHTTPClientsShareADump(t *testing.T) {
	t.Parallel()
	p := start(t, nil, "park", "-n", strconv.Itoa(stallCount), "--http", "127.0.0.1:0", "--serve-only")
	m := p.waitFor(servingLine)
	base, addr := m[1], m[2]
	stalled := stallDump(t, addr)
	holding := goroutines(t, base)

	type got struct {
		sum     [sha256.Size]byte
		headers int
		err     error
	}
	results := make([]got, httpClients)
	var wg sync.WaitGroup
	for i := range httpClients {
		wg.Go(func() {
			resp, err := http.Get(base + "goroutine?debug=2")
			if err != nil {
				results[i].err = err
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				results[i].err = fmt.Errorf("%s", resp.Status)
				return
			}
			// Hashed and counted as it streams: 50 dumps of 13 MB.
			h := sha256.New()
			sc := bufio.NewScanner(io.TeeReader(resp.Body, h))
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				if !bytes.HasPrefix(sc.Bytes(), []byte("goroutine ")) {
					continue
				}
				if m := headerRE.FindStringSubmatch(sc.Text()); m != nil && m[2] == defaultReason {
					results[i].headers++
				}
			}
			results[i].err = sc.Err()
			h.Sum(results[i].sum[:0])
		})
	}
	// Each waiting request has two goroutines in the server (its
	// connection's, and the one that watches for its client leaving,
	// started as the handler is called), and the next dump one.
	p.pollUntil(fmt.Sprintf("%d clients waiting", httpClients), func() bool {
		return goroutines(t, base) >= holding+2*httpClients+1
	})
	stalled.Close()
	wg.Wait()
	distinct := map[[sha256.Size]byte]int{}
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("client %d: %v", i, r.err)
		}
		if r.headers != stallCount {
			t.Fatalf("client %d: %d goroutines [%s] in its dump, want %d", i, r.headers, defaultReason, stallCount)
		}
		distinct[r.sum]++
	}
	if len(distinct) != 1 {
		t.Errorf("%d clients got %d different dumps, want one dump shared by all", httpClients, len(distinct))
	}
	p.interrupt(stallCount)
}

// waitingClients opens httpClients connections that each ask p's server
// for a debug=2 dump, and returns once the server runs two goroutines more
// for each than holding, as it does for a request waiting for a dump. They
// are closed at the end of the test, if not before.
func waitingClients(t *testing.T, p *proc, base, addr string, holding int) []net.Conn {
	t.Helper()
	var conns []net.Conn
	for range httpClients {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "GET /debug/pprof/goroutine?debug=2 HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		conns = append(conns, c)
	}
	p.pollUntil(fmt.Sprintf("%d clients waiting", httpClients), func() bool {
		return goroutines(t, base) >= holding+2*httpClients
	})
	return conns
}

// TestHTTPClientsThatLeaveCostNothing: 50 clients ask for a dump while
// another client stalls one, then hang up. Their requests end at once,
// though the dump they waited for is still held: the server's goroutine
// count falls back while the stalled client still holds the dump. The
// next dump shows none of them still waiting.
func TestHTTPClientsThatLeaveCostNothing(t *testing.T) {
	t.Parallel()
	const count = stallCount
	p := start(t, nil, "park", "-n", strconv.Itoa(count), "--http", "127.0.0.1:0", "--serve-only")
	m := p.waitFor(servingLine)
	base, addr := m[1], m[2]
	before := goroutines(t, base)
	stalled := stallDump(t, addr)
	holding := goroutines(t, base)

	conns := waitingClients(t, p, base, addr, holding)
	for _, c := range conns {
		c.Close()
	}
	// One goroutine stays: the one of the next dump, waiting for its
	// turn, to find every client gone and take no dump.
	p.pollUntil("the requests of the clients that left ended", func() bool {
		return goroutines(t, base) <= holding+1
	})
	stalled.Close()
	// The stalled dump's end is seen by the server a moment after the close.
	p.pollUntil("the stalled dump ended", func() bool {
		return goroutines(t, base) <= before
	})
	body := httpGet(t, base+"goroutine?debug=2")
	if n := strings.Count(body, "gsysint-demo/cmd.(*sharedDumps).serve("); n != 1 {
		t.Errorf("%d requests wait for a dump in the dump after the clients left, want 1 (its own):\n%s", n, clip(body, 3000))
	}
	p.interrupt(count)
}

// TestHTTPStopWithClientsWaiting: park stops at once though 50 clients wait
// for a dump that a stalled client holds, and no dump is taken for them.
func TestHTTPStopWithClientsWaiting(t *testing.T) {
	t.Parallel()
	const count = stallCount
	p := start(t, nil, "park", "-n", strconv.Itoa(count), "--http", "127.0.0.1:0", "--serve-only")
	m := p.waitFor(servingLine)
	base, addr := m[1], m[2]
	stallDump(t, addr)
	holding := goroutines(t, base)
	waiting := waitingClients(t, p, base, addr, holding)
	p.signal(os.Interrupt)
	code, stderr := p.wait()
	if code != 0 {
		t.Fatalf("exit status %d, want 0:\n%s", code, strings.Join(stderr, "\n"))
	}
	if n := released(t, stderr); n != count {
		t.Errorf("released %d, want %d", n, count)
	}
	for _, l := range stderr {
		if strings.HasPrefix(l, "http") {
			t.Errorf("net/http's log line in park's stderr: %s", l)
		}
	}
	// Each waiting client was told that no dump was taken for it, not sent
	// an empty 200 that reads as an empty dump.
	for i, c := range waiting {
		c.SetReadDeadline(time.Now().Add(lineBound))
		status, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || !strings.HasPrefix(status, "HTTP/1.1 503 ") {
			t.Errorf("waiting client %d: response %q (%v), want 503", i, status, err)
		}
	}
}

// TestTraceCorruptOneLine: a trace with one flipped byte that x/exp/trace
// explains with its whole frontier (dozens of lines for this small trace,
// hundreds for larger ones) is refused in one line.
func TestTraceCorruptOneLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "t.out")
	wantExit(t, gsys(t, "park", "--trace", file, "--dumps", "1", "-o", dir), 0)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// The first flipped bit, from the header on, whose error from the
	// parser itself spans lines.
	var bad []byte
	var parserErr error
	for i := 16; i < len(data) && bad == nil; i++ {
		for bit := range 8 {
			b := bytes.Clone(data)
			b[i] ^= 1 << bit
			if err := readTrace(b); err != nil && strings.Count(err.Error(), "\n") >= 5 {
				bad, parserErr = b, err
				break
			}
		}
	}
	if bad == nil {
		t.Fatalf("no flipped bit of the %d-byte trace gives a multi-line parser error", len(data))
	}
	t.Logf("the parser's error has %d lines; first: %q", strings.Count(parserErr.Error(), "\n")+1, strings.SplitN(parserErr.Error(), "\n", 2)[0])
	corrupt := filepath.Join(dir, "corrupt.out")
	if err := os.WriteFile(corrupt, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	r := gsys(t, "trace", corrupt)
	wantExit(t, r, 2)
	wantOneLine(t, r, corrupt, "execution trace")
}

// readTrace reads an execution trace to its end with x/exp/trace.
func readTrace(b []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	r, err := trace.NewReader(bytes.NewReader(b))
	if err != nil {
		return err
	}
	for {
		if _, err := r.ReadEvent(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// TestReportURLFailures: report of a URL whose fetch fails (refused, an
// error status, a body cut short, a timeout) exits 1, the work failed; a
// URL that does not parse, or a body that is no dump, is bad input (2).
// Every error is one line, and none shows the URL's password.
func TestReportURLFailures(t *testing.T) {
	t.Parallel()
	r := gsys(t, "park", "-n", "100", "--dumps", "1")
	wantExit(t, r, 0)
	dumpText := r.stdout
	if countHeaders(dumpText, defaultReason) != 100 {
		t.Fatalf("park --dumps 1 wrote no dump of 100 goroutines to stdout:\n%v", r)
	}
	stop := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/text", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello, world\n") })
	mux.HandleFunc("/cut", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(dumpText)))
		io.WriteString(w, dumpText[:len(dumpText)/2])
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, dumpText[:len(dumpText)/2])
		http.NewResponseController(w).Flush()
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()
	defer close(stop)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()

	const secret = "s3cr3tpw"
	auth := "http://gopher:" + secret + "@"
	for _, c := range []struct {
		name, url string
		args      []string
		code      int
		says      string
	}{
		{"refused", auth + closed.Addr().String() + "/debug/pprof/goroutine?debug=2", nil, 1, "refused"},
		{"404", auth + ln.Addr().String() + "/missing", nil, 1, "404"},
		{"cut", auth + ln.Addr().String() + "/cut", nil, 1, "unexpected EOF"},
		{"timeout", auth + ln.Addr().String() + "/stall", []string{"--timeout", "300ms"}, 1, "Client.Timeout"},
		{"not a dump", auth + ln.Addr().String() + "/text", nil, 2, "gopher:xxxxx@" + ln.Addr().String() + "/text"},
		{"not a URL", auth + ln.Addr().String() + "/%zz", nil, 2, "not a URL"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := gsys(t, append(append([]string{"report"}, c.args...), c.url)...)
			wantExit(t, r, c.code)
			wantOneLine(t, r, c.says)
			if strings.Contains(r.stderr, secret) {
				t.Errorf("the password is in the error: %s", r.stderr)
			}
		})
	}
}

// TestCrashIsNotBadInput: a bug that crashes a command (here a panic in a
// goroutine of report's, put there by a build of the test's own) ends the
// process by SIGABRT with the runtime's traceback, never with exit status
// 2, which says bad input. (park's SIGQUIT keeps status 2: TestSignalsLeaveNoTemps.)
func TestCrashIsNotBadInput(t *testing.T) {
	t.Parallel()
	crashing := filepath.Join(t.TempDir(), "gsysint-demo-crashing")
	build := exec.Command(goTool, "build", "-ldflags=-checklinkname=0 -X gsysint-demo/cmd.crashForTest=report", "-o", crashing, "gsysint-demo")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(build.Args, " "), err, out)
	}
	// No core file, whatever the user's ulimit -c (the children inherit it).
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &rl); err == nil && rl.Cur != 0 {
		rl.Cur = 0
		syscall.Setrlimit(syscall.RLIMIT_CORE, &rl)
	}
	r := execute(t, nil, nil, t.TempDir(), crashing, "report", os.DevNull)
	if r.code == 2 {
		t.Fatalf("a crash exited 2, the status of bad input:\n%v", r)
	}
	if !strings.HasPrefix(r.state, "signal: aborted") {
		t.Errorf("ended with %s, want signal: aborted (SIGABRT)", r.state)
	}
	if !strings.HasPrefix(r.stderr, "panic: crash test: a bug in report\n") || !strings.Contains(r.stderr, "\ngoroutine ") {
		t.Errorf("stderr lacks the panic and its traceback:\n%s", clip(r.stderr, 3000))
	}
	// The same command, as built for every other test, reads /dev/null and
	// refuses it as bad input.
	wantExit(t, gsys(t, "report", os.DevNull), 2)
}

// TestHTTPConnectionsLeaveParkItsFiles: under an open-file limit of 64,
// 100 clients that connect and send a request (kept open, as keep-alive
// clients keep theirs) take at most half the descriptors: park goes on
// writing its dumps to files, and ends cleanly.
func TestHTTPConnectionsLeaveParkItsFiles(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to set ulimit -n with")
	}
	dir := t.TempDir()
	cmd := exec.Command(bash, "-c", `ulimit -n 64 && exec "$0" "$@"`, bin, "park", "--log-format", "json", "-n", "100", "--http", "127.0.0.1:0", "--dumps", "0", "--interval", "20ms", "-o", dir)
	p := startCmd(t, cmd)
	addr := p.waitFor(servingLine)[2]
	for range 100 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET /debug/pprof/cmdline HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	}
	// Ten dumps (200 ms) after every client connected: the server takes
	// its share of them in well under that (without the cap, park's next
	// file fails with "too many open files" within a few dumps).
	n := len(matching(p.seen, dumpLine))
	p.waitFor(eventLine{"dump", func(ev events.Event) []string {
		if ev.(events.Dump).N < n+10 {
			return nil
		}
		return []string{}
	}})
	p.signal(os.Interrupt)
	code, stderr := p.wait()
	if code != 0 {
		t.Fatalf("exit status %d, want 0:\n%s", code, strings.Join(stderr, "\n"))
	}
	released(t, stderr)
}
