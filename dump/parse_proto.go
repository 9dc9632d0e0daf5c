package dump

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/google/pprof/profile"
)

// maxProto bounds the (decompressed) size of a protobuf profile.
const maxProto = 1 << 30

// parseProto reads an uncompressed pprof protobuf of sample type
// goroutine/count or goroutineleak/count (pprof.Lookup(...).WriteTo(w, 0)).
// Each sample becomes a Goroutine with Count set to its value.
func parseProto(r io.Reader) (*Snapshot, error) {
	// profile.Parse would also accept legacy text formats; read the bytes
	// ourselves and insist on a protobuf.
	data, err := io.ReadAll(io.LimitReader(r, maxProto+1))
	if err != nil {
		return nil, fmt.Errorf("reading protobuf: %w", err)
	}
	if len(data) > maxProto {
		return nil, fmt.Errorf("protobuf larger than %d bytes", maxProto)
	}
	p, err := profile.ParseUncompressed(data)
	if err != nil {
		return nil, fmt.Errorf("parsing protobuf: %w", err)
	}
	if len(p.SampleType) != 1 || p.SampleType[0].Unit != "count" ||
		(p.SampleType[0].Type != "goroutine" && p.SampleType[0].Type != "goroutineleak") {
		var types []string
		for _, st := range p.SampleType {
			types = append(types, st.Type+"/"+st.Unit)
		}
		return nil, fmt.Errorf("protobuf of sample types %q: want goroutine/count or goroutineleak/count", types)
	}
	name := p.SampleType[0].Type
	s := &Snapshot{Format: FormatProto, Profile: name, Reading: Reading{Dumps: 1},
		Goroutines: make([]*Goroutine, 0, len(p.Sample))}
	for i, smp := range p.Sample {
		// google/pprof's parser leaves a nil where a sample names a
		// location the profile does not define: validate, do not trust.
		if smp == nil {
			return nil, fmt.Errorf("sample %d is missing", i)
		}
		for j, loc := range smp.Location {
			if loc == nil {
				return nil, fmt.Errorf("sample %d names location %d, which the profile does not define: want a location id from its table", i, j)
			}
		}
		if len(smp.Value) != 1 || smp.Value[0] < 0 || smp.Value[0] > 1<<31 {
			return nil, fmt.Errorf("sample %d has values %v: want one count", i, smp.Value)
		}
		g := &Goroutine{Count: int(smp.Value[0]), Leaked: name == "goroutineleak"}
		if len(smp.Label) > 0 {
			g.Labels = make(map[string]string, len(smp.Label))
			for k, vs := range smp.Label {
				if len(vs) > 0 {
					g.Labels[k] = vs[0]
				}
			}
		}
		censusLabels(g, smp)
		for _, loc := range smp.Location {
			// Line holds the inlined calls of one PC, innermost first.
			for _, ln := range loc.Line {
				f := Frame{Line: int(ln.Line)}
				if ln.Function != nil {
					f.Func, f.File = ln.Function.Name, ln.Function.Filename
				}
				g.Frames = append(g.Frames, f)
			}
		}
		s.Total += g.Count
		s.Goroutines = append(s.Goroutines, g)
	}
	return s, nil
}

// The labels of a census profile (gsysint-demo park --profile census
// --debug 0, package census), named after CockroachDB's "debug=3" goroutine
// profile: the state a debug=2 header would show, and per goroutine its id,
// its creator's and the runtime's minutes of waiting.
const (
	censusStateLabel   = "go::goroutine_state"        // "chan receive", "chan receive (leaked)", "running"
	censusIDLabel      = "go::goroutine"              // numeric
	censusCreatorLabel = "go::goroutine_created_by"   // numeric
	censusMinutesLabel = "go::goroutine_wait_minutes" // numeric
)

// censusLabels takes a census sample's state, id, creator and minutes from
// its labels: a census records the state the protobuf of the goroutine
// profile lacks.
func censusLabels(g *Goroutine, smp *profile.Sample) {
	st, ok := g.Labels[censusStateLabel]
	if !ok {
		return
	}
	g.State, g.Leaked = st, g.Leaked || strings.HasSuffix(st, " (leaked)")
	g.State = strings.TrimSuffix(g.State, " (leaked)")
	delete(g.Labels, censusStateLabel)
	if v := smp.NumLabel[censusIDLabel]; len(v) == 1 && g.Count == 1 {
		g.ID = v[0]
	}
	if v := smp.NumLabel[censusCreatorLabel]; len(v) == 1 {
		g.CreatedByGoroutine = v[0]
	}
	if v := smp.NumLabel[censusMinutesLabel]; len(v) == 1 && v[0] >= 0 && v[0] < 1<<31 {
		g.Minutes = int(v[0])
	}
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
