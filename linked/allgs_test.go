package linked

import (
	"context"
	"debug/dwarf"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

func TestCheckCensus(t *testing.T) {
	if err := CheckCensus(); err != nil {
		t.Fatal(err)
	}
}

// A wrong offset for any witnessed field is caught. Only offsets of plain
// words are tried: a wrong labels offset would have the reader follow
// whatever pointer sits there (the one tried here, g.timer, is nil for a
// goroutine blocked in a channel receive).
func TestCensusCheckCatchesWrongOffsets(t *testing.T) {
	if err := CheckCensus(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit func(*gLayout)
		want string
	}{
		{"goid", func(l *gLayout) { l.goid = l.goid + 8 }, "goid read at offset"},
		{"startpc<->gopc", func(l *gLayout) { l.startpc, l.gopc = l.gopc, l.startpc }, "startpc read at offset"},
		{"gopc", func(l *gLayout) { l.gopc = l.gopc - 8 }, "gopc read at offset"},
		{"parentGoid", func(l *gLayout) { l.parentGoid = l.goid - 8 }, "parentGoid read at offset"},   // stackLock|atomicstatus
		{"waitsince", func(l *gLayout) { l.waitsince = l.waitsince - 8 }, "waitsince read at offset"}, // schedlink
		{"labels", func(l *gLayout) { l.labels = l.labels + 8 }, "labels read at offset"},             // timer
		{"lockedm", func(l *gLayout) { l.lockedm = l.parentGoid - 24 }, "lockedm read at offset"},     // sigcode0
	} {
		t.Run(c.name, func(t *testing.T) {
			l := vettedLayout
			c.edit(&l)
			err := l.check()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("check with a wrong %s offset: %v, want an error containing %q", c.name, err, c.want)
			}
		})
	}
	// And the vetted layout still passes after all that.
	l := vettedLayout
	if err := l.check(); err != nil {
		t.Fatal(err)
	}
}

// ReadAllG sees a goroutine blocked here with its labels, reason, creator,
// and never a dead one; every id once.
func TestReadAllGSeesBlockedGoroutine(t *testing.T) {
	if err := CheckCensus(); err != nil {
		t.Fatal(err)
	}
	const n = 50
	release := make(chan struct{})
	var started, exited sync.WaitGroup
	ids := make(chan uint64, n)
	pprof.Do(context.Background(), pprof.Labels("census", "test"), func(context.Context) {
		for range n {
			started.Add(1)
			exited.Add(1)
			go func() {
				defer exited.Done()
				ids <- Getg().ID()
				started.Done()
				<-release
			}()
		}
	})
	started.Wait()
	defer func() { close(release); exited.Wait() }()
	want := map[uint64]bool{}
	for range n {
		want[<-ids] = true
	}
	me := Getg().ID()
	deadline := 1000
	for {
		seen := map[uint64]int{}
		waiting := 0
		ReadAllG(func(r *GRecord) {
			seen[r.ID]++
			if r.Status == StatusDead || r.Status == StatusDeadExtra {
				t.Errorf("goroutine %d read dead", r.ID)
			}
			if !want[r.ID] {
				return
			}
			if r.Status != StatusWaiting {
				return // still on its way to the receive
			}
			waiting++
			if r.Reason != chanReceive() || r.ParentID != me || len(r.Labels) != 1 || r.Labels[0] != (Label{"census", "test"}) {
				t.Errorf("goroutine %d: %+v", r.ID, *r)
			}
		})
		for id, k := range seen {
			if k != 1 {
				t.Errorf("goroutine %d read %d times", id, k)
			}
		}
		if seen[me] != 1 {
			t.Errorf("the reading goroutine %d is not in its own census", me)
		}
		if waiting == n || t.Failed() {
			break
		}
		if deadline--; deadline == 0 {
			t.Fatalf("only %d of %d goroutines read as waiting", waiting, n)
		}
		runtime.Gosched()
	}
}

// TestGLayoutMatchesDWARF checks every offset the census reads against the
// DWARF the compiler writes for runtime.g and the label set, in programs
// built for both architectures the project claims: the arm64 layout is
// vetted here, on amd64, without an arm64 machine.
func TestGLayoutMatchesDWARF(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	prog := "package main\n\nimport (\n\t\"context\"\n\t\"runtime/pprof\"\n)\n\nfunc main() { pprof.Do(context.Background(), pprof.Labels(\"k\", \"v\"), func(context.Context) {}) }\n"
	if err := os.WriteFile(src, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	want := map[string]uintptr{
		"runtime.g.atomicstatus": vettedLayout.status, "runtime.g.goid": vettedLayout.goid,
		"runtime.g.m": vettedLayout.m, "runtime.g.waitsince": vettedLayout.waitsince,
		"runtime.g.waitreason": vettedLayout.waitreason, "runtime.g.trackingSeq": vettedLayout.trackingSeq,
		"runtime.g.lockedm": vettedLayout.lockedm, "runtime.g.runningCleanups": vettedLayout.runningCleanups,
		"runtime.g.parentGoid": vettedLayout.parentGoid, "runtime.g.gopc": vettedLayout.gopc,
		"runtime.g.startpc": vettedLayout.startpc, "runtime.g.labels": vettedLayout.labels,
		"runtime/pprof.labelMap.Set":               0,
		"internal/runtime/pprof/label.Set.List":    0,
		"internal/runtime/pprof/label.Label.Key":   0,
		"internal/runtime/pprof/label.Label.Value": 16,
		"internal/runtime/pprof/label.Label.size":  32,
		"internal/runtime/pprof/label.Set.size":    24,
		"runtime.g.size":                           456,
		"runtime/pprof.labelMap.size":              24,
	}
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			bin := filepath.Join(dir, "prog-"+arch)
			cmd := exec.Command("go", "build", "-o", bin, src)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOFLAGS=", "GO111MODULE=off", "GOARCH="+arch, "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
			got := dwarfOffsets(t, bin)
			for k, w := range want {
				if g, ok := got[k]; !ok || g != w {
					t.Errorf("%s %s: DWARF says %d (found %v), the census reads %d", arch, k, g, ok, w)
				}
			}
		})
	}
}

func dwarfOffsets(t *testing.T, bin string) map[string]uintptr {
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		t.Fatal(err)
	}
	structs := map[string]bool{"runtime.g": true, "runtime/pprof.labelMap": true, "internal/runtime/pprof/label.Set": true, "internal/runtime/pprof/label.Label": true}
	out := map[string]uintptr{}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if e == nil {
			return out
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		if e.Tag != dwarf.TagStructType || !structs[name] {
			if e.Children && e.Tag != dwarf.TagCompileUnit {
				r.SkipChildren()
			}
			continue
		}
		typ, err := d.Type(e.Offset)
		if err != nil {
			t.Fatal(err)
		}
		st := typ.(*dwarf.StructType)
		out[name+".size"] = uintptr(st.ByteSize)
		for _, fl := range st.Field {
			out[name+"."+fl.Name] = uintptr(fl.ByteOffset)
		}
		r.SkipChildren()
	}
}

// A change of the status, the goid, the M or the switch counter between
// the two halves of a read is caught: the g is read again, and a g that
// changes on every read is reported as changing, with its status and id
// only, never as a record mixing two moments. The g here is a fake: a
// zeroed buffer as large as a g (labels nil, reason 0), which the test
// changes from inside the read (duringRead).
func TestReadCatchesChanges(t *testing.T) {
	var buf [64]uint64 // 512 bytes, 8-aligned
	gp := (*G)(unsafe.Pointer(&buf[0]))
	l := vettedLayout
	word := func(off uintptr) *uint64 { return (*uint64)(unsafe.Add(unsafe.Pointer(gp), off&^7)) }
	const waitsince = 12345
	reset := func() {
		buf = [64]uint64{}
		atomic.StoreUint32((*uint32)(unsafe.Add(unsafe.Pointer(gp), l.status)), StatusWaiting)
		atomic.StoreUint64(word(l.goid), 7)
		atomic.StoreUint64(word(l.waitsince), waitsince)
	}
	var tx texts
	tx.refresh()
	defer func() { duringRead = nil }()
	for _, c := range []struct {
		name   string
		change func()
	}{
		{"status", func() { // waiting ↔ running, never dead
			st := (*uint32)(unsafe.Add(unsafe.Pointer(gp), l.status))
			atomic.StoreUint32(st, atomic.LoadUint32(st)^(StatusWaiting^StatusRunning))
		}},
		{"goid", func() { atomic.AddUint64(word(l.goid), 1) }},
		{"m", func() { atomic.AddUint64(word(l.m), 8) }},
		{"trackingSeq", func() { atomic.AddUint64(word(l.trackingSeq), 1<<(8*(l.trackingSeq&7))) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Changed once: the second read is whole, and has the new value.
			reset()
			reads := 0
			duringRead = func(*G) {
				if reads++; reads == 1 {
					c.change()
					atomic.StoreUint64(word(l.waitsince), 0) // the first read's field, never to be reported
				}
			}
			var r GRecord
			if !l.read(gp, &r, &tx) || r.Changing || reads != 2 || r.WaitSince != 0 {
				t.Errorf("changed once: %d reads, record %+v; want a second, whole read", reads, r)
			}
			// Changed on every read: reported as changing, status and id only.
			reset()
			reads = 0
			duringRead = func(*G) { reads++; c.change() }
			if !l.read(gp, &r, &tx) || !r.Changing || reads != maxReads {
				t.Fatalf("changed on every read: %d reads, record %+v; want %d reads and a changing record", reads, r, maxReads)
			}
			if r.G != gp || r.ID == 0 || r.WaitSince != 0 || r.Labels != nil || r.Text != "" {
				t.Errorf("a changing record carries more than its status and id: %+v", r)
			}
		})
	}
	// Nothing changed: one read.
	reset()
	reads := 0
	duringRead = func(*G) { reads++ }
	var r GRecord
	if !l.read(gp, &r, &tx) || r.Changing || reads != 1 || r.ID != 7 || r.WaitSince != waitsince || r.Status != StatusWaiting {
		t.Errorf("unchanged: %d reads, record %+v", reads, r)
	}
}
