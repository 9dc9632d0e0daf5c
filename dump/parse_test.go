package dump

import (
	"bytes"
	"compress/gzip"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// TestHeader checks header forms one line at a time. Every line is runtime
// output: the first group is quoted from runtime.goroutineheader's cases
// (traceback.go), the "waiting for godot" lines were printed by Go 1.26.8
// and 1.27.3 for a goroutine parked with a custom wait reason and labels
// set by pprof.Do, under GODEBUG=tracebacklabels=1.
func TestHeader(t *testing.T) {
	for _, c := range []struct {
		line string
		want Goroutine
	}{
		{"goroutine 1 [running]:", Goroutine{ID: 1, State: "running"}},
		{"goroutine 18 [chan receive, 2 minutes]:", Goroutine{ID: 18, State: "chan receive", Minutes: 2}},
		{"goroutine 7 [select (leaked)]:", Goroutine{ID: 7, State: "select", Leaked: true}},
		{"goroutine 7 [chan receive (nil chan) (leaked), 12 minutes]:", Goroutine{ID: 7, State: "chan receive (nil chan)", Leaked: true, Minutes: 12}},
		{"goroutine 9 [chan receive (durable)]:", Goroutine{ID: 9, State: "chan receive (durable)", Durable: true}},
		{"goroutine 9 [sync.Cond.Wait (scan) (durable), synctest bubble 3]:", Goroutine{ID: 9, State: "sync.Cond.Wait (durable)", Durable: true, Scan: true, Bubble: 3}},
		{"goroutine 9 [sync.WaitGroup.Wait (durable)]:", Goroutine{ID: 9, State: "sync.WaitGroup.Wait (durable)", Durable: true}},
		{"goroutine 5 [semacquire, 3 minutes, locked to thread]:", Goroutine{ID: 5, State: "semacquire", Minutes: 3, LockedToThread: true}},
		{"goroutine 24 gp=0x3d16f5700d20 m=nil [GC worker (idle)]:", Goroutine{ID: 24, State: "GC worker (idle)", System: &SystemInfo{GP: 0x3d16f5700d20, M: -1}}},
		{"goroutine 0 gp=0xc000002380 m=0 mp=0x5c2d40 [idle]:", Goroutine{ID: 0, State: "idle", System: &SystemInfo{GP: 0xc000002380, M: 0, MP: 0x5c2d40}}},
		{"goroutine 19 [waiting for godot]:", Goroutine{ID: 19, State: "waiting for godot"}},
		{"goroutine 19 [a, b (c), 1 minutes, locked to thread]:", Goroutine{ID: 19, State: "a, b (c)", Minutes: 1, LockedToThread: true}},
		{`goroutine 4 [waiting for godot labels:{"job": "w7", "path": "a b}\"x"}]:`,
			Goroutine{ID: 4, State: "waiting for godot", Labels: map[string]string{"job": "w7", "path": `a b}"x`}}},
		{`goroutine 19 [waiting for godot] {job: w7, path: "a b}\"x"}:`,
			Goroutine{ID: 19, State: "waiting for godot", Labels: map[string]string{"job": "w7", "path": `a b}"x`}}},
		{`goroutine 20 [chan receive, 5 minutes] {job: "w 7", : v.1/x_y}:`,
			Goroutine{ID: 20, State: "chan receive", Minutes: 5, Labels: map[string]string{"job": "w 7", "": "v.1/x_y"}}},
		{`goroutine 21 [odd] {x}]:`, Goroutine{ID: 21, State: "odd] {x}"}},
	} {
		p := &debug2Parser{strs: make(interner), cur: &Goroutine{}}
		if err := p.header([]byte(c.line)); err != nil {
			t.Errorf("%s: %v", c.line, err)
			continue
		}
		got := *p.cur
		if got.ID != c.want.ID || got.State != c.want.State || got.Minutes != c.want.Minutes ||
			got.Leaked != c.want.Leaked || got.Durable != c.want.Durable || got.Scan != c.want.Scan ||
			got.LockedToThread != c.want.LockedToThread || got.Bubble != c.want.Bubble ||
			!maps.Equal(got.Labels, c.want.Labels) ||
			(got.System == nil) != (c.want.System == nil) || got.System != nil && *got.System != *c.want.System {
			t.Errorf("%s:\n got %+v %+v\nwant %+v %+v", c.line, got, got.System, c.want, c.want.System)
		}
	}
}

func TestHeaderErrors(t *testing.T) {
	for _, line := range []string{
		"goroutine 1 running:",
		"goroutine 1 [running]",
		"goroutine 1 gp=zz [running]:",
		"goroutine 99999999999999999999 [running]:",
		`goroutine 1 [running] {job: "w7}:`,
	} {
		p := &debug2Parser{strs: make(interner), cur: &Goroutine{}}
		err := p.header([]byte(line))
		if err == nil || !strings.Contains(err.Error(), "bad goroutine header") {
			t.Errorf("%s: err = %v, want a bad header error", line, err)
		}
	}
}

// TestParseNotDump feeds real outputs that are not goroutine dumps.
func TestParseNotDump(t *testing.T) {
	var heap, threads, heapText bytes.Buffer
	pprof.Lookup("heap").WriteTo(&heap, 0)
	pprof.Lookup("threadcreate").WriteTo(&threads, 1)
	pprof.Lookup("heap").WriteTo(&heapText, 1)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(heapText.Bytes()) // text, but no goroutine dump
	zw.Close()
	for _, c := range []struct {
		name, input, want string
	}{
		{"empty", "", "not a goroutine dump"},
		{"text", "hello\nworld\n", "not a goroutine dump: want debug=2 text"},
		{"heap protobuf", heap.String(), "want goroutine/count"},
		{"threadcreate debug=1", threads.String(), `debug=1 profile "threadcreate": want goroutine or goroutineleak`},
		{"heap debug=1", heapText.String(), "not a goroutine dump"},
		{"gzipped heap debug=1", gz.String(), "not a goroutine dump: want debug=2 text"},
		{"binary", "\x00\x01\x02", "not a goroutine dump"},
		{"log line", "goroutine 12 exited\n", "no goroutine header in 1 lines"},
		{"prose", "see `goroutine 1 [running]` in the log\n", "no goroutine header"},
	} {
		_, err := Parse(strings.NewReader(c.input))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Parse = %v, want an error with %q", c.name, err, c.want)
		}
	}
}

// TestParseLongLine checks a line longer than the read buffer.
func TestParseLongLine(t *testing.T) {
	text, err := readFixture(t, "blocked.debug2.txt")
	if err != nil {
		t.Fatal(err)
	}
	long := "main.f(" + strings.Repeat("0x1, ", readBuffer/4) + "0x2)"
	in := strings.Replace(string(text), "main.main()", long, 1)
	s, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if s.Goroutines[0].Frames[len(s.Goroutines[0].Frames)-1].Func != "main.f" {
		t.Errorf("long frame not read: %+v", s.Goroutines[0].Frames)
	}
}

// TestParseAllocs checks that parsing does not allocate per frame: function
// names and files are interned, frames come from shared chunks.
func TestParseAllocs(t *testing.T) {
	text, err := readFixture(t, "blocked.debug2.txt")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	frames := 0
	for _, g := range s.Goroutines {
		frames += len(g.Frames)
	}
	many := bytes.Repeat(text, 20)
	one := testing.AllocsPerRun(5, func() { Parse(bytes.NewReader(text)) })
	twenty := testing.AllocsPerRun(5, func() { Parse(bytes.NewReader(many)) })
	if twenty > one+40 {
		t.Errorf("%v allocations for one dump, %v for 20 copies of it (%d more frames)", one, twenty, 19*frames)
	}
	allocs := twenty
	t.Logf("%v allocations for 20 copies of %d goroutines, %d frames", allocs, s.Total, frames)
}

// TestParseGoroutinesAlone checks that a goroutine parsed among others is
// the goroutine parsed on its own: the parser carries frames over from one
// goroutine to the next (see debug2Parser.call), and must not carry over
// anything that differs.
func TestParseGoroutinesAlone(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		for _, name := range []string{"blocked.debug2.txt", "labels.debug2.txt", "ancestors.debug2.txt", "system.txt"} {
			path := filepath.Join(dir, name)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			whole := parseFile(t, path)
			var alone []*Goroutine
			for block := range strings.SplitSeq(string(b), "\n\n") {
				if !strings.HasPrefix(block, "goroutine ") {
					continue
				}
				s, err := Parse(strings.NewReader(block))
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				alone = append(alone, s.Goroutines...)
			}
			if len(alone) != len(whole.Goroutines) || len(alone) < 2 {
				t.Fatalf("%s: %d goroutines parsed alone, %d together", path, len(alone), len(whole.Goroutines))
			}
			for i, g := range whole.Goroutines {
				if !reflect.DeepEqual(g, alone[i]) {
					t.Errorf("%s: goroutine %d differs when parsed among others:\n got %+v\nwant %+v", path, g.ID, g, alone[i])
				}
			}
		}
	}
}

// TestParseProtoUndefinedLocation reads a protobuf whose sample names a
// location the profile does not define (google/pprof's parser leaves a
// nil there): an error, not a crash.
func TestParseProtoUndefinedLocation(t *testing.T) {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "goroutine", Unit: "count"}},
		Sample:     []*profile.Sample{{Value: []int64{1}, Location: []*profile.Location{{ID: 7}}}},
	}
	var b bytes.Buffer
	if err := p.WriteUncompressed(&b); err != nil {
		t.Fatal(err)
	}
	_, err := Parse(bytes.NewReader(b.Bytes()))
	if err == nil || !strings.Contains(err.Error(), "names location 0, which the profile does not define") {
		t.Errorf("%d-byte protobuf: Parse = %v, want the undefined location named", b.Len(), err)
	}
}

// endless counts the bytes an endless input gave.
type endless struct {
	b byte
	n int64
}

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e.b
	}
	e.n += int64(len(p))
	return len(p), nil
}

// TestParseBinaryRefusedEarly checks that endless binary input, plain or
// gzipped, is refused from its first bytes, not read up to the protobuf
// limit.
func TestParseBinaryRefusedEarly(t *testing.T) {
	const bound = 1 << 20
	for _, b := range []byte{0, 1, 0x0b} {
		in := &endless{b: b}
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), "neither text nor a protobuf profile") || in.n > bound {
			t.Errorf("endless %#02x: read %d bytes, %v; want a refusal within %d bytes", b, in.n, err, bound)
		}
	}
	// A gzip stream of endless zeros, written as it is read.
	pr, pw := io.Pipe()
	zeros := &endless{}
	done := make(chan error, 1)
	go func() {
		zw := gzip.NewWriter(pw)
		_, err := io.Copy(zw, zeros)
		done <- err
	}()
	_, err := Parse(pr)
	pr.Close()
	<-done
	if err == nil || !strings.Contains(err.Error(), "gzipped input") || zeros.n > 64*bound {
		t.Errorf("gzipped zeros: %d bytes decompressed, %v; want a refusal within %d bytes", zeros.n, err, 64*bound)
	}
}
