package dump

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// parseProtoWithPprof is the protobuf reader as it was on main, on
// google/pprof's profile.Parse, with a census's labels read as main read
// them: the reference the streaming reader must agree with. Samples of the
// same stack, labels and numeric labels are added up first, as the stream
// adds them up (a census's id is read only from a sample of one).
func parseProtoWithPprof(data []byte) (*Snapshot, error) {
	p, err := profile.ParseData(data)
	if err != nil {
		return nil, err
	}
	if len(p.SampleType) != 1 || p.SampleType[0].Unit != "count" ||
		(p.SampleType[0].Type != "goroutine" && p.SampleType[0].Type != "goroutineleak") {
		return nil, fmt.Errorf("sample types %v", p.SampleType)
	}
	name := p.SampleType[0].Type
	s := &Snapshot{Format: FormatProto, Profile: name, Reading: Reading{Dumps: 1}, Goroutines: []*Goroutine{}}
	type distinct struct {
		g   *Goroutine
		smp *profile.Sample
	}
	var order []*distinct
	byKey := map[string]*distinct{}
	for i, smp := range p.Sample {
		for _, loc := range smp.Location {
			if loc == nil {
				return nil, fmt.Errorf("sample %d: undefined location", i)
			}
		}
		if len(smp.Value) != 1 || smp.Value[0] < 0 || smp.Value[0] > 1<<31 {
			return nil, fmt.Errorf("sample %d: values %v", i, smp.Value)
		}
		key := fmt.Sprint(len(smp.Location))
		for _, loc := range smp.Location {
			key += fmt.Sprintf(" %d", loc.ID)
		}
		first := map[string]string{}
		for k, vs := range smp.Label {
			first[k] = vs[0]
		}
		key += fmt.Sprintf(" %q %v", first, smp.NumLabel)
		if d, ok := byKey[key]; ok {
			d.g.Count += int(smp.Value[0])
			continue
		}
		g := &Goroutine{Count: int(smp.Value[0]), Leaked: name == "goroutineleak"}
		for k, vs := range smp.Label {
			if g.Labels == nil {
				g.Labels = map[string]string{}
			}
			g.Labels[k] = vs[0]
		}
		for _, loc := range smp.Location {
			for _, ln := range loc.Line {
				f := Frame{Line: int(ln.Line)}
				if ln.Function != nil {
					f.Func, f.File = ln.Function.Name, ln.Function.Filename
				}
				g.Frames = append(g.Frames, f)
			}
		}
		d := &distinct{g: g, smp: smp}
		byKey[key] = d
		order = append(order, d)
	}
	for _, d := range order {
		g := d.g
		if st, ok := g.Labels["go::goroutine_state"]; ok {
			g.State, g.Leaked = strings.TrimSuffix(st, " (leaked)"), g.Leaked || strings.HasSuffix(st, " (leaked)")
			delete(g.Labels, "go::goroutine_state")
			if len(g.Labels) == 0 {
				g.Labels = nil
			}
			if v := d.smp.NumLabel["go::goroutine"]; len(v) == 1 && g.Count == 1 {
				g.ID = v[0]
			}
			if v := d.smp.NumLabel["go::goroutine_created_by"]; len(v) == 1 {
				g.CreatedByGoroutine = v[0]
			}
			if v := d.smp.NumLabel["go::goroutine_wait_minutes"]; len(v) == 1 && v[0] >= 0 && v[0] < 1<<31 {
				g.Minutes = int(v[0])
			}
		}
		if g.Count > 0 { // a count of 0 is no goroutine
			s.Total += g.Count
			s.Goroutines = append(s.Goroutines, g)
		}
	}
	return s, nil
}

// protoFixtures returns the protobuf fixtures, and profiles made from them
// with labels (string and numeric), repeated samples and inlined lines.
func protoFixtures(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for _, dir := range fixtureDirs(t) {
		paths, err := filepath.Glob(filepath.Join(dir, "*.pb.gz"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			out[path] = b
			p, err := profile.ParseData(b)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range p.Sample {
				s.Label = map[string][]string{"job": {fmt.Sprint("w", i%3), "second"}, ReasonLabel: {"chan receive"}}
				s.NumLabel = map[string][]int64{"n": {int64(i)}}
			}
			// The same stacks and labels again: added up.
			p.Sample = append(p.Sample, p.Sample...)
			if len(p.Location) > 1 {
				p.Location[0].Line = append(p.Location[0].Line, p.Location[1].Line...)
			}
			var buf bytes.Buffer
			if err := p.WriteUncompressed(&buf); err != nil {
				t.Fatal(err)
			}
			out[path+"/labelled-repeated-inlined"] = buf.Bytes()

			// As a census writes its goroutines (package census): the
			// state a label, and a sample of one per goroutine told apart
			// by its numeric id, with its creator and minutes.
			if p, err = profile.ParseData(b); err != nil {
				t.Fatal(err)
			}
			for i, s := range p.Sample {
				state := "select"
				if i%2 == 1 {
					state = "chan receive (leaked)"
				}
				s.Value = []int64{1}
				s.Label = map[string][]string{"go::goroutine_state": {state}, "job": {"w"}}
				s.NumLabel = map[string][]int64{"go::goroutine": {int64(i + 1)}, "go::goroutine_created_by": {1}, "go::goroutine_wait_minutes": {int64(i % 3)}}
				s.NumUnit = map[string][]string{"go::goroutine_wait_minutes": {"minutes"}}
			}
			// Two goroutines of the same stack, ids 1 and 2.
			second := *p.Sample[0]
			second.NumLabel = map[string][]int64{"go::goroutine": {int64(len(p.Sample) + 1)}}
			p.Sample = append(p.Sample, &second)
			var census bytes.Buffer
			if err := p.WriteUncompressed(&census); err != nil {
				t.Fatal(err)
			}
			out[path+"/census"] = census.Bytes()
		}
	}
	if len(out) == 0 {
		t.Fatal("no protobuf fixtures")
	}
	return out
}

// TestProtoAgreesWithPprof reads each protobuf with the streaming reader
// and with google/pprof's parser: the same summary (the streaming reader
// adds up samples of the same stack and labels, so the snapshots may
// differ in how many Goroutines hold the counts).
func TestProtoAgreesWithPprof(t *testing.T) {
	for name, b := range protoFixtures(t) {
		want, err := parseProtoWithPprof(b)
		if err != nil {
			t.Fatalf("%s: google/pprof: %v", name, err)
		}
		got, err := Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Total != want.Total || got.Total == 0 {
			t.Errorf("%s: total %d, google/pprof %d", name, got.Total, want.Total)
		}
		if g, w := summarizeReference(got, Options{}), summarizeReference(want, Options{}); !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got %s\nwant %s", name, brief(g), brief(w))
		}
		if strings.HasSuffix(name, "/census") {
			// Every goroutine of the census kept its own id.
			ids := map[int64]bool{}
			for _, g := range got.Goroutines {
				if g.ID == 0 || g.Count != 1 || g.State == "" || ids[g.ID] {
					t.Errorf("%s: a census goroutine read as %+v", name, g)
				}
				ids[g.ID] = true
			}
			if len(ids) != want.Total {
				t.Errorf("%s: %d ids read, %d goroutines", name, len(ids), want.Total)
			}
		}
	}
}

// protoField appends a length-delimited field.
func protoField(b []byte, field int, data []byte) []byte {
	b = appendVarint(b, uint64(field)<<3|2)
	b = appendVarint(b, uint64(len(data)))
	return append(b, data...)
}

func appendVarint(b []byte, x uint64) []byte {
	for x >= 0x80 {
		b = append(b, byte(x)|0x80)
		x >>= 7
	}
	return append(b, byte(x))
}

// repeatedSamples writes a goroutine profile of n copies of one sample,
// whose body is sample (empty: no location, no value), as a writer that
// does not add up its samples would.
func repeatedSamples(w io.Writer, n int, sample []byte) error {
	var head []byte
	head = protoField(head, 1, []byte{1 << 3, 1, 2 << 3, 2}) // sample type: strings 1 and 2
	if _, err := w.Write(head); err != nil {
		return err
	}
	one := protoField(nil, 2, sample)
	chunk := bytes.Repeat(one, 4096)
	for n > 0 {
		k := min(n, 4096)
		if _, err := w.Write(chunk[:k*len(one)]); err != nil {
			return err
		}
		n -= k
	}
	var tail []byte
	for _, s := range []string{"", "goroutine", "count"} {
		tail = protoField(tail, 6, []byte(s))
	}
	_, err := w.Write(tail)
	return err
}

// countOne is a sample's body with no location and the value 1.
var countOne = []byte{2 << 3, 1}

// TestProtoRepeatedSamples reads profiles of many copies of one sample: a
// count for each adds up to one goroutine group, in memory that does not
// grow with the samples; no value is refused as soon as the sample types
// are known, naming the sample.
func TestProtoRepeatedSamples(t *testing.T) {
	read := func(n int, sample []byte) (*Summary, error) {
		var b bytes.Buffer
		if err := repeatedSamples(&b, n, sample); err != nil {
			t.Fatal(err)
		}
		return ReadSummary(&b, Options{})
	}
	s, err := read(100_000, countOne)
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != 100_000 || s.GroupCount != 1 || s.Groups[0].Count != 100_000 {
		t.Errorf("100000 samples of count 1: total %d, %d groups: %s", s.Total, s.GroupCount, brief(s))
	}
	if _, err := read(1000, nil); err == nil || !strings.Contains(err.Error(), "sample 0 has 0 values") {
		t.Errorf("empty samples: %v, want sample 0 named", err)
	}
	var few, many bytes.Buffer
	repeatedSamples(&few, 1000, countOne)
	repeatedSamples(&many, 100_000, countOne)
	allocs := func(b []byte) float64 {
		return testing.AllocsPerRun(3, func() { ReadSummary(bytes.NewReader(b), Options{}) })
	}
	if a, b := allocs(few.Bytes()), allocs(many.Bytes()); b > a+20 {
		t.Errorf("%v allocations for 1000 samples, %v for 100000: memory grows with the samples", a, b)
	}
}

// TestDebug1Streamed checks that ReadSummary hands debug=1 records over
// one at a time: many records of the same stack allocate no more than a
// few.
func TestDebug1Streamed(t *testing.T) {
	one, err := readFixture(t, "blocked.debug1.txt")
	if err != nil {
		t.Fatal(err)
	}
	// The records, without the title, repeated under one title.
	title, records, _ := bytes.Cut(one, []byte("\n"))
	total := 0
	fmt.Sscanf(string(title), "goroutine profile: total %d", &total)
	input := func(n int) []byte {
		return append(fmt.Appendf(nil, "goroutine profile: total %d\n", n*total), bytes.Repeat(records, n)...)
	}
	few, many := input(2), input(200)
	s, err := ReadSummary(bytes.NewReader(many), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != 200*total || s.Reading.Damaged != 0 || s.Reading.Cut != "" {
		t.Fatalf("200 copies: total %d, want %d; reading %+v", s.Total, 200*total, s.Reading)
	}
	a := testing.AllocsPerRun(3, func() { ReadSummary(bytes.NewReader(few), Options{}) })
	b := testing.AllocsPerRun(3, func() { ReadSummary(bytes.NewReader(many), Options{}) })
	// Each record's labels map is new (a few records have labels).
	if perRecord := (b - a) / float64(198*bytes.Count(records, []byte(" @ "))); perRecord > 3 {
		t.Errorf("%v allocations for 2 copies, %v for 200: %.1f per record", a, b, perRecord)
	}
}

// TestDecompressedLimit checks that gzipped input that decompresses to
// more than Options.MaxDecompressed is an error that says so, and input
// of exactly the limit is read.
func TestDecompressedLimit(t *testing.T) {
	text, err := readFixture(t, "blocked.debug2.txt")
	if err != nil {
		t.Fatal(err)
	}
	gz := gzipped(text)
	if _, err := ReadSummary(bytes.NewReader(gz), Options{MaxDecompressed: int64(len(text))}); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	_, err = ReadSummary(bytes.NewReader(gz), Options{MaxDecompressed: int64(len(text)) - 1})
	var limit *DecompressedLimitError
	if !errors.As(err, &limit) || limit.Limit != int64(len(text))-1 {
		t.Errorf("one byte over: %v, want a DecompressedLimitError", err)
	}
	// A gzipped protobuf too.
	var pb bytes.Buffer
	zw := gzip.NewWriter(&pb)
	repeatedSamples(zw, 100_000, countOne)
	zw.Close()
	if _, err := ReadSummary(bytes.NewReader(pb.Bytes()), Options{MaxDecompressed: 1 << 10}); !errors.As(err, &limit) {
		t.Errorf("protobuf over the limit: %v, want a DecompressedLimitError", err)
	}
}
