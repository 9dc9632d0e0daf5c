package dump

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The fuzz targets. FuzzParse mutates bytes of every format; FuzzDebug2,
// FuzzDebug1 and FuzzProto know each format's structure (lines, records,
// protobuf messages) and mutate it, so that more of what they try is
// nearly right. Each checks that no reader panics, and that every path
// (reference, interned, streamed, in parts, from a mapped file) reads the
// same. Inputs that once crashed a reader are kept as seeds under
// testdata/fuzz/<target>.

// checkAllPaths reads in with the reference reader and every fast path:
// the same snapshot, summary or error; what is accepted is consistent
// and can be written out.
func checkAllPaths(t *testing.T, in []byte) {
	ref, refErr := parseReference(in)
	s, err := Parse(bytes.NewReader(in))
	if (err == nil) != (refErr == nil) || err != nil && err.Error() != refErr.Error() {
		t.Fatalf("Parse: %v; the reference parser: %v", err, refErr)
	}
	if err != nil {
		if s != nil {
			t.Fatalf("Parse returned a snapshot and error %v", err)
		}
		if _, err := ReadSummary(bytes.NewReader(in), Options{}); err == nil {
			t.Fatalf("ReadSummary read what Parse refused (%v)", refErr)
		}
		if _, err := summarizeBytes(in, Options{}, 3); err == nil {
			t.Fatalf("in 3 parts: read what Parse refused (%v)", refErr)
		}
		return
	}
	if !reflect.DeepEqual(s, ref) {
		t.Fatalf("interned snapshot differs from the reference:\n got %+v\nwant %+v", s, ref)
	}
	switch s.Format {
	case FormatDebug2:
		if s.Total != len(s.Goroutines) || s.Total == 0 {
			t.Fatalf("debug2: total %d, %d goroutines", s.Total, len(s.Goroutines))
		}
	case FormatDebug1, FormatProto, FormatCensus:
		sum := 0
		for _, g := range s.Goroutines {
			sum += g.Count
		}
		if sum != s.Total {
			t.Fatalf("%s: counts add up to %d, total %d", s.Format, sum, s.Total)
		}
	default:
		t.Fatalf("unknown format %q", s.Format)
	}
	if s.Reading.Dumps < 1 || s.Reading.Damaged < 0 || s.Reading.ContextLines < 0 {
		t.Fatalf("reading %+v", s.Reading)
	}
	for _, g := range s.Goroutines {
		if g.Count < 0 || g.Minutes < 0 || g.ElidedFrames < 0 {
			t.Fatalf("negative field in %+v", g)
		}
	}
	top := Summarize(s, Options{Top: 3})
	if _, err := json.Marshal(top); err != nil {
		t.Fatal(err)
	}
	if err := top.WriteText(io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := top.WriteColorText(io.Discard); err != nil {
		t.Fatal(err)
	}

	want := summarizeReference(ref, Options{})
	if got := Summarize(s, Options{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("cached summariser:\n got %s\nwant %s", brief(got), brief(want))
	}
	stream, err := ReadSummary(bytes.NewReader(in), Options{})
	if err != nil || !reflect.DeepEqual(stream, want) {
		t.Fatalf("streamed: %v\n got %s\nwant %s", err, brief(stream), brief(want))
	}
	parts, err := summarizeBytes(in, Options{}, 3)
	if err != nil || !reflect.DeepEqual(parts, want) {
		t.Fatalf("in 3 parts: %v\n got %s\nwant %s", err, brief(parts), brief(want))
	}
	mapped, err := readFile(t, in, Options{})
	if err != nil || !reflect.DeepEqual(mapped, want) {
		t.Fatalf("from a file: %v\n got %s\nwant %s", err, brief(mapped), brief(want))
	}
}

// FuzzParse feeds the fixtures, each also in the shapes of shapes_test.go
// (prefixed, indented, glued, coloured, gzipped, cut...), and mutations of
// their bytes, to every reader.
func FuzzParse(f *testing.F) {
	for _, dir := range fixtureDirs(f) {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, name := range files {
			if strings.HasSuffix(name, ".json") {
				continue
			}
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			if strings.HasSuffix(name, ".gz") {
				continue
			}
			for _, sh := range textShapes() {
				f.Add(sh.f(b))
			}
			f.Add(b[:len(b)/2])
		}
	}
	// A census's JSON (parse_census.go), both shapes, as its package writes it.
	f.Add([]byte(`{"taken_at": "2026-12-01T15:52:05Z", "total": 2, "groups": [{"status": "waiting", "state": "chan receive", "count": 2, "start": {"func": "main.f", "file": "/a.go", "line": 3}, "created": {"func": "main.main", "file": "/a.go", "line": 9}, "labels": {"job": "w7"}, "max_age_ns": 120000000000, "aged": 1}]}`))
	f.Add([]byte(`{"taken_at": "2026-12-01T15:52:05Z", "goroutines": [{"id": 18, "status": "leaked", "state": "chan receive", "leaked": true, "age_ns": 61000000000, "age_known": true, "start": {"func": "main.f"}, "created": {"func": "main.main", "file": "/a.go", "line": 9}, "creator_id": 1}]}`))
	f.Fuzz(func(t *testing.T, in []byte) { checkAllPaths(t, in) })
}

// textBases returns the fixtures that match pattern (a debug=2 or debug=1
// glob), each also in the shapes of shapes_test.go.
func textBases(f *testing.F, patterns ...string) [][]byte {
	var bases [][]byte
	for _, dir := range fixtureDirs(f) {
		for _, pattern := range patterns {
			paths, _ := filepath.Glob(filepath.Join(dir, pattern))
			for _, path := range paths {
				b, err := os.ReadFile(path)
				if err != nil {
					f.Fatal(err)
				}
				bases = append(bases, b)
				for _, sh := range textShapes() {
					if sh.name != "gzip" {
						bases = append(bases, sh.f(b))
					}
				}
			}
		}
	}
	if len(bases) == 0 {
		f.Fatalf("no fixtures for %q", patterns)
	}
	return bases
}

// mutateLines applies ops to the lines of base, three bytes an operation
// (what, where, with what): drop a line, repeat it, swap it with another,
// cut it short, insert a blank line, insert a line made of another's
// start, join it to the next. Lines are what the text readers reason
// about: their mutations give nearly right goroutine blocks and records.
func mutateLines(base, ops []byte) []byte {
	lines := bytes.SplitAfter(base, []byte("\n"))
	for ; len(ops) >= 3 && len(lines) > 0; ops = ops[3:] {
		i := int(ops[1]) * len(lines) / 256
		j := int(ops[2]) * len(lines) / 256
		switch ops[0] % 7 {
		case 0:
			lines = append(lines[:i], lines[i+1:]...)
		case 1:
			lines = append(lines[:i+1], lines[i:]...)
		case 2:
			lines[i], lines[j] = lines[j], lines[i]
		case 3:
			lines[i] = lines[i][:len(lines[i])*int(ops[2])/256]
		case 4:
			lines = append(lines[:i+1], lines[i:]...)
			lines[i] = []byte("\n")
		case 5:
			l := lines[j]
			lines = append(lines[:i+1], lines[i:]...)
			lines[i] = append(append([]byte(nil), l[:len(l)/2]...), '\n')
		case 6:
			lines[i] = bytes.TrimSuffix(lines[i], []byte("\n"))
		}
	}
	return bytes.Join(lines, nil)
}

// FuzzDebug2 mutates the lines of debug=2 dumps and crash output, in every
// shape a log or a paste gives them (the tolerant reader), and reads the
// result through every path: the reference, interned, streamed, in parts
// in parallel, and from a mapped file whose pages are given back as they
// are read.
func FuzzDebug2(f *testing.F) {
	// A mapped file gives back its pages after every line (the path of
	// large files).
	defer func(w int) { releaseWindow = w }(releaseWindow)
	releaseWindow = 1
	bases := textBases(f, "*.debug2.txt", "panic.txt", "deadlock.txt", "system.txt", "mapwrites.txt")
	for i := range bases {
		f.Add(uint16(i), []byte{})
		f.Add(uint16(i), []byte{3, 40, 128, 0, 200, 0, 5, 90, 20})
	}
	f.Fuzz(func(t *testing.T, base uint16, ops []byte) {
		checkAllPaths(t, mutateLines(bases[int(base)%len(bases)], ops))
	})
}

// FuzzDebug1 mutates the lines of debug=1 profiles (records, labels,
// frames, titles), several appended as a program that writes one every
// few seconds leaves them, in every shape, and reads the result through
// every path.
func FuzzDebug1(f *testing.F) {
	bases := textBases(f, "*.debug1.txt")
	for _, b := range bases[:len(bases)/len(textShapes())] {
		bases = append(bases, append(append([]byte(nil), b...), b...))
	}
	for i := range bases {
		f.Add(uint16(i), []byte{})
		f.Add(uint16(i), []byte{1, 10, 0, 3, 60, 100})
	}
	f.Fuzz(func(t *testing.T, base uint16, ops []byte) {
		checkAllPaths(t, mutateLines(bases[int(base)%len(bases)], ops))
	})
}

// pbField is a field of a protobuf message: a varint, or bytes (which may
// be a message of its own).
type pbField struct {
	num   uint64
	wire  uint64
	value uint64
	data  []byte
}

// pbFields splits a protobuf message into its fields; ok is false if it
// does not split cleanly.
func pbFields(b []byte) (fs []pbField, ok bool) {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, false
		}
		b = b[n:]
		f := pbField{num: tag >> 3, wire: tag & 7}
		switch f.wire {
		case 0:
			if f.value, n = binary.Uvarint(b); n <= 0 {
				return nil, false
			}
			b = b[n:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return nil, false
			}
			f.data, b = b[n:n+int(l)], b[n+int(l):]
		default:
			return nil, false
		}
		fs = append(fs, f)
	}
	return fs, true
}

func pbEncode(fs []pbField) []byte {
	var b []byte
	for _, f := range fs {
		b = binary.AppendUvarint(b, f.num<<3|f.wire)
		if f.wire == 0 {
			b = binary.AppendUvarint(b, f.value)
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(f.data)))
		b = append(b, f.data...)
	}
	return b
}

// mutateProto applies ops to the top-level messages of a profile, four
// bytes an operation (what, which, where, value): drop a message, repeat
// it, move it, or change one of its fields (set a varint, such as a
// location id, a count or a string index; drop a field; repeat one), so
// that the result is a well-formed protobuf whose samples, locations,
// functions and strings no longer fit together as they did.
func mutateProto(base, ops []byte) []byte {
	fs, ok := pbFields(base)
	if !ok {
		return base
	}
	for ; len(ops) >= 4 && len(fs) > 0; ops = ops[4:] {
		i := int(ops[1]) * len(fs) / 256
		switch ops[0] % 6 {
		case 0:
			fs = append(fs[:i], fs[i+1:]...)
		case 1:
			fs = append(fs[:i+1], fs[i:]...)
		case 2:
			j := int(ops[2]) * len(fs) / 256
			fs[i], fs[j] = fs[j], fs[i]
		default:
			if fs[i].wire != 2 {
				fs[i].value = uint64(ops[3])
				continue
			}
			sub, ok := pbFields(fs[i].data)
			if !ok || len(sub) == 0 {
				continue
			}
			j := int(ops[2]) * len(sub) / 256
			switch ops[0] % 6 {
			case 3:
				if sub[j].wire == 0 {
					sub[j].value = uint64(ops[3])
				} else if len(sub[j].data) > 0 {
					// A packed list (location ids, values): one entry.
					sub[j].data = binary.AppendUvarint(nil, uint64(ops[3]))
				}
			case 4:
				sub = append(sub[:j], sub[j+1:]...)
			case 5:
				sub = append(sub[:j+1], sub[j:]...)
			}
			fs[i].data = pbEncode(sub)
		}
	}
	return pbEncode(fs)
}

// FuzzProto mutates valid goroutine profiles (the fixtures, and ones made
// from them with labels, repeated samples and inlined calls) at the level
// of their messages, and reads the result through every path, plain and
// gzipped. What google/pprof's parser also reads must be summarised as
// it reads it.
func FuzzProto(f *testing.F) {
	var bases [][]byte
	fixtures := protoFixtures(f)
	// In the order of their names, so that a seed's base is the same
	// profile from run to run.
	for _, name := range slices.Sorted(maps.Keys(fixtures)) {
		b := fixtures[name]
		if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
			if raw, err := io.ReadAll(zr); err == nil {
				b = raw
			}
		}
		bases = append(bases, b)
	}
	for i := range bases {
		f.Add(uint16(i), []byte{})
		f.Add(uint16(i), []byte{3, 128, 0, 7})  // a sample's location id
		f.Add(uint16(i), []byte{4, 250, 1, 0})  // a string's field dropped
		f.Add(uint16(i), []byte{2, 10, 250, 0}) // a sample moved past the strings
		f.Add(uint16(i), []byte{1, 128, 0, 0, 5, 60, 1, 0})
	}
	f.Fuzz(func(t *testing.T, base uint16, ops []byte) {
		in := mutateProto(bases[int(base)%len(bases)], ops)
		checkAllPaths(t, in)
		checkAllPaths(t, gzipped(in))
		s, err := Parse(bytes.NewReader(in))
		want, pprofErr := parseProtoWithPprof(in)
		if err != nil || pprofErr != nil {
			return
		}
		if got, want := summarizeReference(s, Options{}), summarizeReference(want, Options{}); !reflect.DeepEqual(got, want) {
			t.Fatalf("google/pprof reads it otherwise:\n got %s\nwant %s", brief(got), brief(want))
		}
	})
}

// brief is the start of a summary's JSON, for a failure message.
func brief(s *Summary) string {
	b, _ := json.Marshal(s)
	return string(clip(b, 600))
}
