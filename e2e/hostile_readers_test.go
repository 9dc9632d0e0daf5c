package e2e

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// dataLimit bounds the memory report may take in these tests (RLIMIT_DATA,
// set by the shell before it execs the binary: the writable private
// mappings, which hold the Go heap and the threads' stacks, not the address
// space the runtime reserves without using). google/pprof's parser, which
// report used, took 3.5 GB for the 10M samples below, and ends in "fatal
// error: runtime: out of memory" under this limit. (RLIMIT_AS is no bound
// for a Go program: the runtime's reservations at start-up vary with the
// addresses it is given, and fail now and then under any limit.)
const dataLimit = 256 << 20

// craftedProfile writes a gzipped goroutine profile of n copies of one
// sample whose encoded body is sample, to a file of the test's own.
func craftedProfile(t *testing.T, n int, sample []byte) string {
	t.Helper()
	field := func(b []byte, num int, data []byte) []byte {
		b = append(b, byte(num<<3|2))
		for x := len(data); ; x >>= 7 {
			if x < 0x80 {
				b = append(b, byte(x))
				break
			}
			b = append(b, byte(x)|0x80)
		}
		return append(b, data...)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(field(nil, 1, []byte{1 << 3, 1, 2 << 3, 2})) // sample type: goroutine/count
	chunk := bytes.Repeat(field(nil, 2, sample), 1<<12)
	for i := 0; i < n; i += 1 << 12 {
		zw.Write(chunk)
	}
	var strs []byte
	for _, s := range []string{"", "goroutine", "count"} {
		strs = field(strs, 6, []byte(s))
	}
	zw.Write(strs)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "crafted.pb.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// boundedReport runs report with args under dataLimit.
func boundedReport(t *testing.T, args ...string) result {
	t.Helper()
	script := "ulimit -d " + strconv.Itoa(dataLimit>>10) + ` && exec "$0" report "$@"`
	r := execute(t, nil, nil, "", "sh", append([]string{"-c", script, bin}, args...)...)
	if strings.Contains(r.stderr, "out of memory") || strings.Contains(r.stderr, "cannot allocate memory") {
		t.Fatalf("report ran out of its %d MiB of memory:\n%v", dataLimit>>20, r)
	}
	return r
}

// TestReportHostileProtobuf reads a 39 KB gzipped protobuf of 10M samples
// (count 1, no stack), and a 20 KB one of 10M empty samples, within
// dataLimit: a correct small summary, and a one-line refusal naming the
// first bad sample.
func TestReportHostileProtobuf(t *testing.T) {
	t.Parallel()
	const n = 10_240_000 // 10M, rounded up to whole chunks
	ones := craftedProfile(t, n, []byte{2 << 3, 1})
	r := boundedReport(t, "--json", ones)
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, `"total": 10240000`) || !strings.Contains(r.stdout, `"group_count": 1,`) {
		t.Errorf("want 10240000 goroutines in 1 group:\n%v", r)
	}
	if fi, err := os.Stat(ones); err == nil {
		t.Logf("%d-byte protobuf of %d samples read", fi.Size(), n)
	}

	empty := craftedProfile(t, n, nil)
	r = boundedReport(t, empty)
	wantExit(t, r, 2)
	wantOneLine(t, r, empty, "sample 0 has 0 values")
}

// TestReportDecompressedLimit checks the cap on decompression: gzipped
// text that unpacks to more than --max-decompressed is refused in one
// line that names the flag; a bad size is refused too.
func TestReportDecompressedLimit(t *testing.T) {
	t.Parallel()
	var text bytes.Buffer
	text.WriteString("goroutine 1 [running]:\nmain.main()\n\t/x/main.go:1 +0x1\n\n")
	for i := 2; text.Len() < 4<<20; i++ {
		text.WriteString("goroutine " + strconv.Itoa(i) + " [select]:\nmain.f()\n\t/x/main.go:2 +0x1\n\n")
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(text.Bytes())
	zw.Close()
	path := filepath.Join(t.TempDir(), "big.txt.gz")
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := boundedReport(t, "--max-decompressed", "1MiB", path)
	wantExit(t, r, 2)
	wantOneLine(t, r, path, "1048576 bytes", "--max-decompressed")

	r = boundedReport(t, "--max-decompressed", "8MiB", path)
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "read: gzipped text") {
		t.Errorf("under a raised limit, want the text read:\n%v", r)
	}

	r = gsys(t, "report", "--max-decompressed", "lots", path)
	wantExit(t, r, 2)
	wantOneLine(t, r, `--max-decompressed "lots"`, "KiB, MiB or GiB")
}

// craftedCensus writes to a file of the test's own the gzipped JSON of a
// census, head, then n copies of record in its "goroutines" or "groups"
// array (key), then tail.
func craftedCensus(t *testing.T, key string, n int, record, tail string) string {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write([]byte(`{"taken_at": "2026-01-01T00:00:00Z", "total": ` + strconv.Itoa(n) + `, "` + key + `": [`))
	chunk := []byte(strings.Repeat(record+",", min(n, 1000)))
	for ; n > 0; n -= 1000 {
		b := chunk[:min(n, 1000)*(len(record)+1)]
		if n <= 1000 {
			b = b[:len(b)-1] // no comma after the last
		}
		zw.Write(b)
	}
	zw.Write([]byte(tail))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "census.json.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReportHostileCensusJSON reads, within dataLimit, a per-goroutine
// census's JSON of 10M goroutines (1.5 MB gzipped, 520 MB unpacked; the
// reader before this test decoded it whole): a correct small summary; and
// one census group whose file name is a string of 256 MiB: a one-line
// refusal naming the group, the field and the limit.
func TestReportHostileCensusJSON(t *testing.T) {
	t.Parallel()
	const n = 10_000_000
	path := craftedCensus(t, "goroutines", n, `{"id":18,"state":"select","start":{"func":"main.f"}}`, "]}\n")
	r := boundedReport(t, "--json", path)
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, `"total": 10000000`) || !strings.Contains(r.stdout, `"group_count": 1,`) || !strings.Contains(r.stdout, `"format": "census"`) {
		t.Errorf("want a census of 10000000 goroutines in 1 group:\n%.2000s", r.stdout)
	}

	long := craftedCensus(t, "groups", 1, `{"count": 1, "start": {"func": "main.f", "file": "`+strings.Repeat("a", 256<<20), "")
	r = boundedReport(t, long)
	wantExit(t, r, 2)
	wantOneLine(t, r, long, "census group 0", `"file"`, "1048576 bytes")
}
