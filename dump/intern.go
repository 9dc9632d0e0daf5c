package dump

import "slices"

// The text parsers' allocation savers, fenced here. A dump of 100k
// goroutines repeats a few hundred function names and file paths
// thousands of times, and neighbouring goroutines mostly share their
// state, creator and stack:
//
//   - interner hands out one string per distinct name or path;
//   - interner.again and debug2Parser.repeatedFrame try the previous
//     goroutine's value first (one comparison instead of a map lookup);
//   - frameArena carves the goroutines' frame slices from shared chunks.
//
// The reference parser (readOptions.plain, a nil interner, a plain arena)
// makes a new string and a new slice each time instead; reference_test.go
// checks that both read the same snapshots and summaries.

// interner returns one shared string per distinct byte sequence. A nil
// interner (the reference parser) returns a new string each time.
type interner map[string]string

func (in interner) get(b []byte) string {
	if in == nil {
		return string(b)
	}
	if s, ok := in[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	in[s] = s
	return s
}

// again returns get(b), trying *last first and leaving the result there.
func (in interner) again(last *string, b []byte) string {
	if in == nil {
		return string(b)
	}
	if *last != string(b) {
		*last = in.get(b)
	}
	return *last
}

// repeatedFrame appends a frame for the function name when it is the
// function at the same depth of the previous goroutine, whose frames
// p.frames still holds past its length, and reports whether it did.
func (p *debug2Parser) repeatedFrame(name []byte) bool {
	if p.strs == nil {
		return false
	}
	n := len(p.frames)
	if n >= cap(p.frames) {
		return false
	}
	prev := p.frames[:n+1][n]
	if prev.Func != string(name) {
		return false
	}
	p.frames = append(p.frames, Frame{Func: prev.Func})
	p.fileFor, p.prevFile = fileFrame, prev.File
	return true
}

// frameArena hands out frame slices carved from shared chunks, so that a
// dump of 100k goroutines makes a few hundred allocations for its frames
// rather than one or more per goroutine. A plain arena (the reference
// parser) copies each slice on its own.
type frameArena struct {
	chunk []Frame
	plain bool
}

const arenaChunk = 8192

func (a *frameArena) copy(fs []Frame) []Frame {
	if len(fs) == 0 {
		return nil
	}
	if a.plain {
		return slices.Clone(fs)
	}
	if len(fs) > cap(a.chunk)-len(a.chunk) {
		if len(fs) > arenaChunk/8 {
			return append([]Frame(nil), fs...)
		}
		a.chunk = make([]Frame, 0, arenaChunk)
	}
	start := len(a.chunk)
	a.chunk = append(a.chunk, fs...)
	return a.chunk[start:len(a.chunk):len(a.chunk)]
}
