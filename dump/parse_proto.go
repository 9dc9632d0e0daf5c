package dump

import (
	"fmt"
	"io"

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
