package dump

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// The protobuf reader decodes profile.proto itself, one top-level message
// at a time from a stream, rather than with google/pprof's profile.Parse,
// which holds the whole input and makes an object of every sample before
// anything can be counted: a 39 KB gzipped profile of 10M samples took
// 3.5 GB that way. Here memory grows with what the profile holds that
// a summary can use: its distinct samples (samples with the same stack and
// labels are added up as they are read) and the locations, functions and
// strings they name. Numeric labels make samples distinct too: a census
// profile (package census) gives each goroutine a sample of its own, told
// apart only by its id, go::goroutine.
//
// Locations and functions (one per distinct PC and function of the
// stacks) are kept, up to maxProtoTable of each; samples are added up by
// stack and labels as they are read; of the string table, which Go writes
// last (runtime/pprof and google/pprof both), only the strings referred to
// are kept. A string referred to after it was passed over (a string table
// before the rest) is an error that names the order wanted.
//
// The fields read (profile.proto; all others are skipped):
//
//	Profile:   1 sample_type (ValueType), 2 sample (Sample), 4 location (Location),
//	           5 function (Function), 6 string_table (string)
//	ValueType: 1 type, 2 unit (string indexes)
//	Sample:    1 location_id (repeated uint64), 2 value (repeated int64), 3 label (Label)
//	Label:     1 key, 2 str (string indexes), 3 num, 4 num_unit (a label
//	           with str 0 is numeric when num or num_unit is set, as
//	           google/pprof reads it; otherwise it is dropped)
//	Location:  1 id, 4 line (Line)
//	Line:      1 function_id, 2 line
//	Function:  1 id, 2 name, 4 filename (string indexes)

// maxProtoMessage bounds one top-level message of a protobuf (a sample, a
// location, a function, a string): Go's are a few hundred bytes.
const maxProtoMessage = 1 << 20

// maxProtoTable bounds the locations, and the functions, a protobuf may
// define: a goroutine profile has one location per distinct PC of its
// stacks and one function per distinct function, which the program's code
// bounds far below this.
const maxProtoTable = 1 << 18

// maxProtoLines bounds the lines of one location (the calls inlined at a
// PC).
const maxProtoLines = 1 << 10

// maxProtoTotal bounds the goroutines a protobuf may count.
const maxProtoTotal = 1 << 40

// protoSample is a distinct sample: a stack (location ids) and a label
// set, with the sum of the counts of the samples that have them.
type protoSample struct {
	first  int // index of the first such sample, for errors
	locs   []uint64
	labels [][2]int64 // key, value (string indexes), sorted by key
	// nums are the numeric labels: key (a string index), value; by key,
	// in input order for one key.
	nums  [][2]int64
	count int64
}

type protoLine struct {
	function uint64
	line     int64
}

type protoFunction struct{ name, file int64 }

// protoReader decodes one profile.
type protoReader struct {
	br  *bufio.Reader
	off int64 // bytes read
	msg []byte

	sampleTypes [][2]int64
	samples     []*protoSample
	byKey       map[string]*protoSample
	nSamples    int
	total       int64
	badSample   error // the first sample without one count

	locs  map[uint64][]protoLine
	funcs map[uint64]protoFunction
	// The strings referred to so far, those kept, and how many the table
	// had so far.
	wantStr map[int64]bool
	strs    map[int64]string
	nStrs   int64

	key []byte
}

// parseProto reads an uncompressed pprof protobuf of sample type
// goroutine/count or goroutineleak/count (pprof.Lookup(...).WriteTo(w, 0)).
// Each distinct sample (stack and labels) becomes a Goroutine whose Count
// is the sum of its samples' values.
func parseProto(r io.Reader) (*Snapshot, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, readBuffer)
	}
	p := &protoReader{
		br:      br,
		byKey:   map[string]*protoSample{},
		wantStr: map[int64]bool{0: true},
		locs:    map[uint64][]protoLine{},
		funcs:   map[uint64]protoFunction{},
		strs:    map[int64]string{},
	}
	if err := p.read(); err != nil {
		return nil, err
	}
	return p.snapshot()
}

// read decodes the top-level fields.
func (p *protoReader) read() error {
	for {
		at := p.off
		tag, err := p.uvarint()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return eofIsCut(err, at)
		}
		field, wire := tag>>3, tag&7
		var msg []byte
		switch wire {
		case 0:
			if _, err := p.uvarint(); err != nil {
				return eofIsCut(err, at)
			}
			continue
		case 1, 5:
			n := 8
			if wire == 5 {
				n = 4
			}
			if _, err := p.br.Discard(n); err != nil {
				return eofIsCut(err, at)
			}
			p.off += int64(n)
			continue
		case 2:
			n, err := p.uvarint()
			if err != nil {
				return eofIsCut(err, at)
			}
			if n > maxProtoMessage {
				return fmt.Errorf("field %d at byte %d is %d bytes long: want at most %d", field, at, n, maxProtoMessage)
			}
			if field < 1 || field > 6 || field == 3 {
				if _, err := p.br.Discard(int(n)); err != nil {
					return eofIsCut(err, at)
				}
				p.off += int64(n)
				continue
			}
			if cap(p.msg) < int(n) {
				p.msg = make([]byte, n)
			}
			msg = p.msg[:n]
			if _, err := io.ReadFull(p.br, msg); err != nil {
				return eofIsCut(err, at)
			}
			p.off += int64(n)
		default:
			return fmt.Errorf("byte %d: wire type %d of field %d: want 0, 1, 2 or 5", at, wire, field)
		}
		switch field {
		case 1:
			err = p.sampleType(msg)
		case 2:
			err = p.sample(msg)
		case 4:
			err = p.location(msg)
		case 5:
			err = p.function(msg)
		case 6:
			err = p.str(msg)
		}
		if err != nil {
			return fmt.Errorf("field %d at byte %d: %w", field, at, err)
		}
	}
}

func eofIsCut(err error, at int64) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("the input ends inside the field at byte %d", at)
	}
	return err
}

// uvarint reads a varint from the stream.
func (p *protoReader) uvarint() (uint64, error) {
	var x uint64
	for i := 0; i < binary.MaxVarintLen64; i++ {
		c, err := p.br.ReadByte()
		if err != nil {
			if i > 0 && err == io.EOF {
				return 0, io.ErrUnexpectedEOF
			}
			return 0, err
		}
		p.off++
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				break
			}
			return x | uint64(c)<<(7*i), nil
		}
		x |= uint64(c&0x7f) << (7 * i)
	}
	return 0, fmt.Errorf("varint at byte %d overflows 64 bits", p.off)
}

// fields calls f for each field of a message in b: its number, and its
// varint value (wire type 0) or bytes (wire type 2); fields of other wire
// types are skipped.
func fields(b []byte, f func(field uint64, v uint64, data []byte) error) error {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad field tag")
		}
		b = b[n:]
		field := tag >> 3
		switch tag & 7 {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return fmt.Errorf("bad varint in field %d", field)
			}
			b = b[n:]
			if err := f(field, v, nil); err != nil {
				return err
			}
		case 1:
			if len(b) < 8 {
				return fmt.Errorf("field %d cut short", field)
			}
			b = b[8:]
		case 5:
			if len(b) < 4 {
				return fmt.Errorf("field %d cut short", field)
			}
			b = b[4:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return fmt.Errorf("field %d runs past its message", field)
			}
			data := b[n : n+int(l)]
			b = b[n+int(l):]
			if err := f(field, 0, data); err != nil {
				return err
			}
		default:
			return fmt.Errorf("wire type %d of field %d: want 0, 1, 2 or 5", tag&7, field)
		}
	}
	return nil
}

// varints calls f for a repeated varint field's value v, or for each of
// the packed values in data.
func varints(v uint64, data []byte, f func(uint64) error) error {
	if data == nil {
		return f(v)
	}
	for len(data) > 0 {
		x, n := binary.Uvarint(data)
		if n <= 0 {
			return errors.New("bad packed varint")
		}
		data = data[n:]
		if err := f(x); err != nil {
			return err
		}
	}
	return nil
}

// wantString notes a string index referred to.
func (p *protoReader) wantString(i int64) error {
	if i < 0 {
		return fmt.Errorf("string index %d: want 0 or more", i)
	}
	if i < p.nStrs {
		if _, ok := p.strs[i]; !ok {
			return fmt.Errorf("string %d is referred to after the string table was read: want the string table last, as Go writes it", i)
		}
	}
	p.wantStr[i] = true
	return nil
}

func (p *protoReader) sampleType(b []byte) error {
	var st [2]int64
	err := fields(b, func(field, v uint64, _ []byte) error {
		if field == 1 || field == 2 {
			st[field-1] = int64(v)
			return p.wantString(int64(v))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sample type: %w", err)
	}
	if len(p.sampleTypes) > 16 {
		return errors.New("more than 16 sample types: want one, goroutine/count")
	}
	p.sampleTypes = append(p.sampleTypes, st)
	return nil
}

func (p *protoReader) sample(b []byte) error {
	i := p.nSamples
	p.nSamples++
	var locs []uint64
	var values [1]int64
	nValues := 0
	var labels, nums [][2]int64
	err := fields(b, func(field, v uint64, data []byte) error {
		switch field {
		case 1:
			return varints(v, data, func(id uint64) error {
				locs = append(locs, id)
				return nil
			})
		case 2:
			return varints(v, data, func(x uint64) error {
				if nValues == 0 {
					values[0] = int64(x)
				}
				nValues++
				return nil
			})
		case 3:
			var l [2]int64
			var num, unit int64
			if err := fields(data, func(field, v uint64, _ []byte) error {
				switch field {
				case 1, 2:
					l[field-1] = int64(v)
				case 3:
					num = int64(v)
				case 4:
					unit = int64(v)
				}
				return nil
			}); err != nil {
				return fmt.Errorf("label: %w", err)
			}
			switch {
			case l[1] != 0:
				labels = append(labels, l)
			case num != 0 || unit != 0:
				// A numeric label (its unit is not read): a census's
				// ids, creators and minutes.
				nums = append(nums, [2]int64{l[0], num})
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sample %d: %w", i, err)
	}
	if nValues != 1 || values[0] < 0 || values[0] > 1<<31 {
		// Reported after the sample types, which say more (a heap
		// profile has four values per sample).
		if p.badSample == nil && nValues != 1 {
			p.badSample = fmt.Errorf("sample %d has %d values: want one, a count", i, nValues)
		} else if p.badSample == nil {
			p.badSample = fmt.Errorf("sample %d has count %d: want 0 to %d", i, values[0], 1<<31)
		}
		return nil
	}
	// A key's first value is its label, as in google/pprof's Sample.Label.
	slices.SortStableFunc(labels, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
	labels = slices.CompactFunc(labels, func(a, b [2]int64) bool { return a[0] == b[0] })
	// All values of a numeric label's key are kept, in order, as in
	// google/pprof's Sample.NumLabel.
	slices.SortStableFunc(nums, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })

	// Each list is preceded by its length, so that no two samples share
	// a key by where one list ends and the next begins.
	p.key = binary.AppendUvarint(p.key[:0], uint64(len(locs)))
	for _, id := range locs {
		p.key = binary.AppendUvarint(p.key, id)
	}
	for _, ls := range [][][2]int64{labels, nums} {
		p.key = binary.AppendUvarint(p.key, uint64(len(ls)))
		for _, l := range ls {
			p.key = binary.AppendVarint(p.key, l[0])
			p.key = binary.AppendVarint(p.key, l[1])
		}
	}
	if p.total += values[0]; p.total > maxProtoTotal {
		return fmt.Errorf("sample %d: the counts add up to more than %d goroutines", i, int64(maxProtoTotal))
	}
	if s, ok := p.byKey[string(p.key)]; ok {
		s.count += values[0]
		return nil
	}
	for _, l := range labels {
		if err := p.wantString(l[0]); err != nil {
			return err
		}
		if err := p.wantString(l[1]); err != nil {
			return err
		}
	}
	for _, l := range nums {
		if err := p.wantString(l[0]); err != nil {
			return err
		}
	}
	s := &protoSample{first: i, locs: locs, labels: labels, nums: nums, count: values[0]}
	p.byKey[string(p.key)] = s
	p.samples = append(p.samples, s)
	return nil
}

func (p *protoReader) location(b []byte) error {
	var id uint64
	var lines []protoLine
	err := fields(b, func(field, v uint64, data []byte) error {
		switch field {
		case 1:
			id = v
		case 4:
			var ln protoLine
			if err := fields(data, func(field, v uint64, _ []byte) error {
				switch field {
				case 1:
					ln.function = v
				case 2:
					ln.line = int64(v)
				}
				return nil
			}); err != nil {
				return fmt.Errorf("line: %w", err)
			}
			if len(lines) == maxProtoLines {
				return fmt.Errorf("more than %d lines", maxProtoLines)
			}
			lines = append(lines, ln)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("location: %w", err)
	}
	if _, ok := p.locs[id]; !ok && len(p.locs) == maxProtoTable {
		return fmt.Errorf("more than %d locations: want one per distinct PC of the stacks", maxProtoTable)
	}
	p.locs[id] = lines
	return nil
}

func (p *protoReader) function(b []byte) error {
	var id uint64
	var f protoFunction
	err := fields(b, func(field, v uint64, _ []byte) error {
		switch field {
		case 1:
			id = v
		case 2:
			f.name = int64(v)
		case 4:
			f.file = int64(v)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("function: %w", err)
	}
	if _, ok := p.funcs[id]; !ok && len(p.funcs) == maxProtoTable {
		return fmt.Errorf("more than %d functions: want one per distinct function of the stacks", maxProtoTable)
	}
	p.funcs[id] = f
	if err := p.wantString(f.name); err != nil {
		return err
	}
	return p.wantString(f.file)
}

func (p *protoReader) str(b []byte) error {
	if p.wantStr[p.nStrs] {
		p.strs[p.nStrs] = string(b)
	}
	p.nStrs++
	return nil
}

// stringAt returns string i of the table.
func (p *protoReader) stringAt(i int64) (string, error) {
	if i >= p.nStrs {
		return "", fmt.Errorf("string index %d: the table has %d strings", i, p.nStrs)
	}
	return p.strs[i], nil
}

// snapshot checks the sample type and turns the samples into goroutines.
func (p *protoReader) snapshot() (*Snapshot, error) {
	var types []string
	for _, st := range p.sampleTypes {
		t, err := p.stringAt(st[0])
		if err != nil {
			return nil, fmt.Errorf("sample type: %w", err)
		}
		u, err := p.stringAt(st[1])
		if err != nil {
			return nil, fmt.Errorf("sample type: %w", err)
		}
		types = append(types, t+"/"+u)
	}
	if len(types) != 1 || (types[0] != "goroutine/count" && types[0] != "goroutineleak/count") {
		return nil, fmt.Errorf("protobuf of sample types %q: want goroutine/count or goroutineleak/count", types)
	}
	if p.badSample != nil {
		return nil, p.badSample
	}
	name, _, _ := strings.Cut(types[0], "/")
	s := &Snapshot{Format: FormatProto, Profile: name, Reading: Reading{Dumps: 1},
		Goroutines: make([]*Goroutine, 0, len(p.samples))}
	for _, smp := range p.samples {
		g := &Goroutine{Count: int(smp.count), Leaked: name == "goroutineleak"}
		for _, l := range smp.labels {
			k, err := p.stringAt(l[0])
			if err != nil {
				return nil, fmt.Errorf("sample %d's label: %w", smp.first, err)
			}
			v, err := p.stringAt(l[1])
			if err != nil {
				return nil, fmt.Errorf("sample %d's label: %w", smp.first, err)
			}
			if g.Labels == nil {
				g.Labels = make(map[string]string, len(smp.labels))
			}
			g.Labels[k] = v
		}
		if err := p.censusLabels(g, smp); err != nil {
			return nil, fmt.Errorf("sample %d's label: %w", smp.first, err)
		}
		for j, id := range smp.locs {
			lines, ok := p.locs[id]
			if !ok {
				return nil, fmt.Errorf("sample %d names location %d, which the profile does not define (id %d): want a location id from its table", smp.first, j, id)
			}
			// The lines of a location are the inlined calls of one PC,
			// innermost first.
			for _, ln := range lines {
				f := Frame{Line: int(ln.line)}
				if fn, ok := p.funcs[ln.function]; ok {
					var err error
					if f.Func, err = p.stringAt(fn.name); err != nil {
						return nil, fmt.Errorf("function %d: %w", ln.function, err)
					}
					if f.File, err = p.stringAt(fn.file); err != nil {
						return nil, fmt.Errorf("function %d: %w", ln.function, err)
					}
				}
				g.Frames = append(g.Frames, f)
			}
		}
		// A count of 0 is no goroutine: checked, not kept.
		if g.Count > 0 {
			s.Total += g.Count
			s.Goroutines = append(s.Goroutines, g)
		}
	}
	return s, nil
}

// The labels of a census profile (gsysint-demo park --profile census
// --debug 0, package census): the state a debug=2 header would show, and,
// numeric, per goroutine its id and its creator's, and the runtime's
// minutes of waiting.
const (
	censusStateLabel   = "go::goroutine_state"        // "chan receive", "chan receive (leaked)", "running"
	censusIDLabel      = "go::goroutine"              // numeric
	censusCreatorLabel = "go::goroutine_created_by"   // numeric
	censusMinutesLabel = "go::goroutine_wait_minutes" // numeric, unit "minutes"
)

// censusNumLabels are the numeric labels censusLabels reads, in the order
// of its vals.
var censusNumLabels = [...]string{censusIDLabel, censusCreatorLabel, censusMinutesLabel}

// censusLabels takes a census sample's state, id, creator and minutes from
// its labels: a census records the state the protobuf of the goroutine
// profile lacks. A numeric label counts only with exactly one value; an id
// only on a sample of one goroutine.
func (p *protoReader) censusLabels(g *Goroutine, smp *protoSample) error {
	// The one value of each numeric label of censusNumLabels, and how
	// many it has; every key is checked, as google/pprof checks it.
	var vals [len(censusNumLabels)]int64
	var seen [len(censusNumLabels)]int
	for _, l := range smp.nums {
		k, err := p.stringAt(l[0])
		if err != nil {
			return err
		}
		if i := slices.Index(censusNumLabels[:], k); i >= 0 {
			vals[i] = l[1]
			seen[i]++
		}
	}
	st, ok := g.Labels[censusStateLabel]
	if !ok {
		return nil
	}
	g.Leaked = g.Leaked || strings.HasSuffix(st, " (leaked)")
	g.State = strings.TrimSuffix(st, " (leaked)")
	delete(g.Labels, censusStateLabel)
	if len(g.Labels) == 0 {
		g.Labels = nil
	}
	if seen[0] == 1 && g.Count == 1 {
		g.ID = vals[0]
	}
	if seen[1] == 1 {
		g.CreatedByGoroutine = vals[1]
	}
	if seen[2] == 1 && vals[2] >= 0 && vals[2] < 1<<31 {
		g.Minutes = int(vals[2])
	}
	return nil
}

// checkProtoHead reads the fields at the start of binary input, head, as a
// pprof profile's (profile.proto: fields 1 to 15, each a varint or a
// length-delimited value), so that input that is neither text nor a
// profile (/dev/urandom, zeros, an image) is refused from its first bytes
// rather than read whole. The first two fields must end inside head (a
// profile starts with its small sample types and samples); a later one
// that runs past it ends the check.
func checkProtoHead(head []byte) error {
	fields := 0
	past := func(i int) error {
		if fields >= 2 {
			return nil
		}
		return fmt.Errorf("its field %d, at byte %d, runs past the first %d bytes", fields+1, i, len(head))
	}
	for i := 0; i < len(head); fields++ {
		tag, n := binary.Uvarint(head[i:])
		if n <= 0 {
			return past(i)
		}
		field, wire := tag>>3, tag&7
		if field < 1 || field > 15 || (wire != 0 && wire != 2) {
			return fmt.Errorf("byte %d (%#02x) starts no field of a profile (want fields 1 to 15, varint or length-delimited)", i, head[i])
		}
		v, m := binary.Uvarint(head[i+n:])
		if m <= 0 {
			return past(i)
		}
		if wire == 2 && v > uint64(len(head)-i-n-m) {
			return past(i)
		}
		i += n + m
		if wire == 2 {
			i += int(v)
		}
	}
	return nil
}
