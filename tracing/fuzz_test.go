package tracing

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// The framing of an execution trace since Go 1.22, as x/exp/trace reads it
// (trace/batch.go): a 16-byte header ("go 1.26 trace\x00\x00\x00"), then
// batches. A batch is a type byte, for an experimental batch an experiment
// byte, then uvarints generation, M, timestamp and size, then size bytes
// of events; the end of a generation is the type byte alone (Go 1.26). The
// type values are x/exp/trace's internal/tracev2 EventType constants.
const (
	evEventBatch        = 1
	evExperimentalBatch = 49
	evEndOfGeneration   = 52
	traceHeaderLen      = 16
	maxBatchSize        = 64 << 10 // the reader refuses a larger batch
)

// traceBatch is one batch of a trace file.
type traceBatch struct {
	kind, exp  byte
	gen, m, ts uint64
	data       []byte
}

// splitTrace cuts a trace into its header and batches.
func splitTrace(b []byte) (header []byte, batches []traceBatch, err error) {
	if len(b) < traceHeaderLen {
		return nil, nil, fmt.Errorf("%d bytes, shorter than the header", len(b))
	}
	header, b = b[:traceHeaderLen], b[traceHeaderLen:]
	for len(b) > 0 {
		tb := traceBatch{kind: b[0]}
		b = b[1:]
		switch tb.kind {
		case evEndOfGeneration:
			batches = append(batches, tb)
			continue
		case evExperimentalBatch:
			if len(b) == 0 {
				return nil, nil, errors.New("cut in an experimental batch's header")
			}
			tb.exp, b = b[0], b[1:]
		case evEventBatch:
		default:
			return nil, nil, fmt.Errorf("batch type %d at %d batches", tb.kind, len(batches))
		}
		var size uint64
		for _, v := range []*uint64{&tb.gen, &tb.m, &tb.ts, &size} {
			x, n := binary.Uvarint(b)
			if n <= 0 {
				return nil, nil, errors.New("cut in a batch header")
			}
			*v, b = x, b[n:]
		}
		if size > uint64(len(b)) {
			return nil, nil, fmt.Errorf("batch of %d bytes, %d left", size, len(b))
		}
		tb.data, b = b[:size], b[size:]
		batches = append(batches, tb)
	}
	return header, batches, nil
}

// joinTrace writes header and batches as a trace file, each batch's size
// taken from its data.
func joinTrace(header []byte, batches []traceBatch) []byte {
	out := bytes.Clone(header)
	for _, tb := range batches {
		out = append(out, tb.kind)
		if tb.kind == evEndOfGeneration {
			continue
		}
		if tb.kind == evExperimentalBatch {
			out = append(out, tb.exp)
		}
		for _, v := range []uint64{tb.gen, tb.m, tb.ts, uint64(len(tb.data))} {
			out = binary.AppendUvarint(out, v)
		}
		out = append(out, tb.data...)
	}
	return out
}

// maxMutated bounds a mutated trace: duplicated batches cannot grow it
// past this.
const maxMutated = 1 << 20

// mutateTrace applies ops to batches, four bytes an operation: what, and
// three arguments. Every result is framed as the reader expects (sizes
// agree with the data, types are batch types), so that the reader gets past
// the framing to the generations, the string and stack tables, the
// ordering of events by M, P and G, and the events themselves.
func mutateTrace(header []byte, batches []traceBatch, ops []byte) []byte {
	size := len(joinTrace(header, batches))
	for ; len(ops) >= 4 && len(batches) > 0; ops = ops[4:] {
		a, b, c := int(ops[1])%len(batches), int(ops[2]), int(ops[3])
		ta := &batches[a]
		switch ops[0] % 12 {
		case 0: // drop a batch
			batches = append(batches[:a:a], batches[a+1:]...)
		case 1: // a batch again, elsewhere
			if size+len(ta.data)+32 > maxMutated {
				continue
			}
			dup := *ta
			dup.data = bytes.Clone(ta.data)
			at := b % (len(batches) + 1)
			batches = append(batches[:at:at], append([]traceBatch{dup}, batches[at:]...)...)
			size += len(ta.data) + 32
		case 2: // two batches swapped
			b %= len(batches)
			batches[a], batches[b] = batches[b], batches[a]
		case 3: // another generation
			ta.gen += uint64(int8(b))
		case 4: // another M, that of another batch, or a new one
			if c&1 == 0 {
				ta.m = batches[b%len(batches)].m
			} else {
				ta.m = uint64(b)
			}
		case 5: // another timestamp
			ta.ts += uint64(int64(int8(b)) << (c % 40))
		case 6: // a byte of the events changed
			if len(ta.data) > 0 {
				ta.data[(b<<8|c)%len(ta.data)] ^= byte(b | 1)
			}
		case 7: // the events cut short
			if len(ta.data) > 0 {
				ta.data = ta.data[:(b<<8|c)%len(ta.data)]
			}
		case 8: // events of another batch appended
			if src := batches[b%len(batches)].data; len(src) > 0 && len(ta.data) < maxBatchSize {
				from := c % len(src)
				ta.data = append(bytes.Clone(ta.data), src[from:min(len(src), from+maxBatchSize-len(ta.data))]...)
				size += len(src) - from
			}
		case 9: // an end of generation
			at := b % (len(batches) + 1)
			batches = append(batches[:at:at], append([]traceBatch{{kind: evEndOfGeneration}}, batches[at:]...)...)
		case 10: // another batch type (events read as an experiment's, say)
			switch c % 3 {
			case 0:
				ta.kind = evEventBatch
			case 1:
				ta.kind, ta.exp = evExperimentalBatch, byte(b)
			case 2:
				ta.kind = evEndOfGeneration
			}
		case 11: // the first event's type changed (a table read as events, events as a table)
			if len(ta.data) > 0 {
				ta.data[0] = byte(b % 60)
			}
		}
	}
	return joinTrace(header, batches)
}

// fuzzFixtures are the traces the fuzz targets start from: those the
// project recorded with each toolchain (TestUpdateFixture).
func fuzzFixtures(f *testing.F) [][]byte {
	var traces [][]byte
	for _, file := range fixtures(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		traces = append(traces, data)
	}
	if len(traces) == 0 {
		f.Fatal("no testdata/*.trace; record them with -run TestUpdateFixture -update")
	}
	return traces
}

// FuzzSummarizeBatches is the structure-aware target: a trace recorded by
// the project, changed batch by batch (see mutateTrace) with the framing
// kept whole. FuzzSummarize mutates bytes, most of which the framing
// refuses.
func FuzzSummarizeBatches(f *testing.F) {
	traces := fuzzFixtures(f)
	for i, tr := range traces {
		if _, _, err := splitTrace(tr); err != nil {
			f.Fatalf("fixture %d: %v", i, err)
		}
		f.Add(uint8(i), []byte{})
		// One of each operation on the fourth batch (the first event
		// batch after the tables), to start from.
		for op := range 12 {
			f.Add(uint8(i), []byte{byte(op), 3, 7, 5})
		}
		f.Add(uint8(i), []byte{1, 2, 9, 0, 3, 4, 1, 0, 9, 6, 0, 0})
	}
	f.Fuzz(func(t *testing.T, which uint8, ops []byte) {
		if len(ops) > 4*64 {
			return
		}
		header, batches, err := splitTrace(traces[int(which)%len(traces)])
		if err != nil {
			t.Fatal(err)
		}
		data := mutateTrace(header, batches, ops)
		s, err := Summarize(bytes.NewReader(data), Options{Top: 2, MarkFuncPrefix: "runtime."})
		checkSummary(t, s, err)
	})
}

// checkSummary fails the test if Summarize's result is inconsistent, its
// error spans lines, or the parser panicked.
func checkSummary(t *testing.T, s *Summary, err error) {
	t.Helper()
	if err != nil {
		if s != nil {
			t.Errorf("error %v with a summary", err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("error of %d lines, want one: %.300q", strings.Count(err.Error(), "\n")+1, err)
		}
		if strings.Contains(err.Error(), "parser panicked") {
			t.Errorf("the parser panicked: %v", err)
		}
		return
	}
	blocks, ours := 0, 0
	for _, r := range s.Reasons {
		blocks += r.Transitions
		ours += r.OurTransitions
		if r.Goroutines > r.Transitions || r.OurGoroutines > r.Goroutines || r.OurTransitions > r.Transitions ||
			len(r.Stacks) > 2 || len(r.Stacks) > r.DistinctStacks || r.OurGoroutines != len(r.OurGoroutineIDs) {
			t.Errorf("inconsistent reason %+v", r)
		}
	}
	if blocks != s.Blocks || ours != s.OurBlocks {
		t.Errorf("reasons add up to %d/%d, summary says %d/%d", blocks, ours, s.Blocks, s.OurBlocks)
	}
	if err := s.WriteText(io.Discard); err != nil {
		t.Error(err)
	}
	if _, err := json.Marshal(s); err != nil {
		t.Error(err)
	}
}

// TestSplitTrace: the fixtures cut into batches and joined again read as
// the files do (joinTrace writes the shortest uvarints; the runtime pads
// the size it fills in later), so that the structure-aware target starts
// from the real traces.
func TestSplitTrace(t *testing.T) {
	for _, file := range fixtures(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		header, batches, err := splitTrace(data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		kinds := map[byte]int{}
		for _, tb := range batches {
			kinds[tb.kind]++
		}
		if kinds[evEventBatch] == 0 {
			t.Errorf("%s: no event batches: %v", file, kinds)
		}
		t.Logf("%s: %d batches by type %v", file, len(batches), kinds)
		joined := joinTrace(header, batches)
		_, again, err := splitTrace(joined)
		if err != nil || len(again) != len(batches) {
			t.Fatalf("%s joined again: %d batches, %v; want %d", file, len(again), err, len(batches))
		}
		for i := range batches {
			a, b := batches[i], again[i]
			if a.kind != b.kind || a.exp != b.exp || a.gen != b.gen || a.m != b.m || a.ts != b.ts || !bytes.Equal(a.data, b.data) {
				t.Errorf("%s: batch %d joined and cut again differs", file, i)
			}
		}
		want, err := Summarize(bytes.NewReader(data), Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Summarize(bytes.NewReader(joined), Options{})
		if err != nil {
			t.Fatalf("%s joined again: %v", file, err)
		}
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if !bytes.Equal(wj, gj) {
			t.Errorf("%s joined again summarises differently:\n%s\nwant\n%s", file, gj, wj)
		}
	}
}
