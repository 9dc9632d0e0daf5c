package linked

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The runtime's reason tables, pulled as variables. The linker checks
// neither the type nor the length of a variable pulled this way: a wrong
// length reads or writes past the runtime's array. checkTables verifies the
// length against independent witnesses before anything reads them.

// runtime/runtime2.go: var waitReasonStrings = [...]string{...}. Not pushed.
//
//go:linkname waitReasonStrings runtime.waitReasonStrings
var waitReasonStrings [waitReasonCount]string

// runtime/traceruntime.go: var traceBlockReasonStrings = [...]string{...}.
// Not pushed. The tracer copies it into each trace generation's string
// table when the generation starts (about once a second).
//
//go:linkname traceBlockReasonStrings runtime.traceBlockReasonStrings
var traceBlockReasonStrings [traceReasonCount]string

const stringSize = unsafe.Sizeof("")

var (
	checkMu       sync.Mutex
	tablesChecked bool
	tablesErr     error // a mismatch of the tables does not go away
	gCheckedOK    bool
)

// Check verifies that the running runtime matches the vetted catalog: the
// reason tables (checkTables, once per process) and the g offsets (checkG,
// until it passes once: a poll of it may time out on a loaded machine).
// It is the one start-up check: every command and park.New reach it
// through park.Check. Nothing may park or read the tables unless it
// returns nil.
func Check() error {
	checkMu.Lock()
	defer checkMu.Unlock()
	if !tablesChecked {
		tablesErr, tablesChecked = checkTables(), true
	}
	if tablesErr != nil {
		return tablesErr
	}
	if !gCheckedOK {
		if err := checkG(); err != nil {
			return err
		}
		gCheckedOK = true
	}
	return nil
}

// checkTables verifies the length of both tables and every entry's text.
// The wait table's length is witnessed by the runtime's bounds-checked
// waitReason.String; both lengths by the sizes of the runtime's symbols in
// this executable's ELF symbol table, when it has one (go build -ldflags=-s
// strips it).
func checkTables() error {
	last := WaitReason(waitReasonCount - 1)
	if got := waitReasonString(last + 1); got != "unknown wait reason" {
		return fmt.Errorf("runtime.waitReasonStrings has more than the %d entries of catalog %s (entry %d is %q)", waitReasonCount, vetted.Name, last+1, got)
	}
	if got := waitReasonString(last); got == "unknown wait reason" {
		return fmt.Errorf("runtime.waitReasonStrings has fewer than the %d entries of catalog %s", waitReasonCount, vetted.Name)
	}
	sizes, err := symbolSizes("runtime.waitReasonStrings", "runtime.traceBlockReasonStrings")
	if err == nil {
		if got, want := sizes[0], uint64(waitReasonCount*stringSize); got != want {
			return fmt.Errorf("runtime.waitReasonStrings is %d bytes, catalog %s expects %d", got, vetted.Name, want)
		}
		if got, want := sizes[1], uint64(traceReasonCount*stringSize); got != want {
			return fmt.Errorf("runtime.traceBlockReasonStrings is %d bytes, catalog %s expects %d", got, vetted.Name, want)
		}
	}
	for i, e := range vetted.Wait {
		if got := waitReasonStrings[i]; got != e.Text {
			return fmt.Errorf("runtime.waitReasonStrings[%d] is %q, catalog %s says %q", i, got, vetted.Name, e.Text)
		}
	}
	for i, e := range vetted.Trace {
		if got := traceBlockReasonStrings[i]; got != e.Text {
			return fmt.Errorf("runtime.traceBlockReasonStrings[%d] is %q, catalog %s says %q", i, got, vetted.Name, e.Text)
		}
	}
	return nil
}

// MaxCustomText is the longest text SetWaitText and SetTraceText take, in
// bytes. The tracer keeps at most 1 KiB of a string in a trace, and Go
// 1.26's tracer throws "traceRegion: alloc too large" on a reason string
// of more than 64 KiB when a trace starts.
const MaxCustomText = 1024

// WaitText returns the text the runtime currently shows for wait reason w.
func WaitText(w WaitReason) string { return loadString(&waitReasonStrings[w]) }

// TraceText returns the text the tracer currently records for trace reason t.
func TraceText(t TraceReason) string { return loadString(&traceBlockReasonStrings[t]) }

// SetWaitText makes the runtime show text for wait reason w, from the next
// dump on. w must be one of Vetted().WaitSlots, and text at most
// MaxCustomText bytes (longer text is cut). It returns the text the slot
// held, for restoring it.
func SetWaitText(w WaitReason, text string) (old string) {
	return storeString(&waitReasonStrings[w], text)
}

// SetTraceText makes the tracer record text for trace reason t. A trace
// that is running picks it up at its next generation (about a second); set
// it before trace.Start to have it from the first event.
func SetTraceText(t TraceReason, text string) (old string) {
	return storeString(&traceBlockReasonStrings[t], text)
}

// tableLock serialises our writes to the runtime's tables. Holding a runtime
// lock also keeps this M from being preempted, so no stop-the-world
// traceback can run between the words of a string header being written.
var tableLock Mutex

type stringHeader struct {
	data unsafe.Pointer
	len  uintptr
}

// storeString replaces *dst, a string in a runtime table, with s. Readers in
// the runtime load the two words of the header without synchronisation
// (the tracer copies the tables at each trace generation with the world
// running), so every pairing of a data pointer and a length they may see
// must stay readable: the length goes to zero, then the data pointer
// changes, then the new length is set; and every text stored here sits in
// a buffer of at least MaxCustomText bytes, so that a length of one text
// read with the pointer of another never runs past a buffer of ours. (The
// runtime's own texts are in read-only data, where a read past the end
// stays in the mapping.) The pointer store has a write barrier, and s stays
// reachable from the table itself.
func storeString(dst *string, s string) (old string) {
	s = s[:min(len(s), MaxCustomText)]
	padded := make([]byte, MaxCustomText) // as long as any text a table holds
	copy(padded, s)
	h := (*stringHeader)(unsafe.Pointer(dst))
	Lock(&tableLock)
	old = *dst
	tableGen.Add(1) // odd while a text changes (see ReadAllG)
	atomic.StoreUintptr(&h.len, 0)
	atomic.StorePointer(&h.data, unsafe.Pointer(unsafe.SliceData(padded)))
	atomic.StoreUintptr(&h.len, uintptr(len(s)))
	tableGen.Add(1)
	Unlock(&tableLock)
	return old
}

func loadString(src *string) string {
	h := (*stringHeader)(unsafe.Pointer(src))
	Lock(&tableLock)
	s := unsafe.String((*byte)(atomic.LoadPointer(&h.data)), atomic.LoadUintptr(&h.len))
	Unlock(&tableLock)
	return s
}
