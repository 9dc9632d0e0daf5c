package dump

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"slices"
)

// ReadDumps reads r as [ReadSummary] does, and returns one Summary per dump
// the input holds, in input order: an input holding one dump gives what
// ReadSummary gives. Dumps one after another are told apart by
//
//   - a debug=1 title ("goroutine profile: total 6") after a profile;
//   - goroutine 1 seen again in debug=2 text: it is in every dump of a
//     running program, once. (Another id seen twice is no boundary: a
//     crash can print the goroutine that crashed twice.) runtime.Stack and
//     the debug=2 profile print the goroutine that asked for the dump
//     first, in state "running", then goroutine 1 and the others: a
//     "running" goroutine with a stack just before goroutine 1 starts the
//     next dump with it;
//   - with atContext, context between debug=2 goroutines (a crash line, a
//     log, a prompt; see Reading.Dumps). Without it, dumps with context
//     between them are added up, as ReadSummary adds them up: a log with
//     several crashes, or a document that quotes dumps, holds dumps of
//     different runs more often than a series; goroutine 1 after the
//     context is then no boundary either;
//   - the end of a census's JSON document (park --profile census --json
//     writes one per dump): each census is a dump.
//
// A regular file is mapped and, when it holds one dump, read in parts as
// ReadSummary reads it: the goroutines are followed one by one only if
// "goroutine 1 [" occurs twice in it, or the parts found context between
// dumps.
//
// The first Summary carries the input's preamble, headline and Reading,
// the last its context after the dumps; each Total counts that dump's
// goroutines, and each Reading.Dumps the dumps added up in it.
func ReadDumps(r io.Reader, opt Options, atContext bool) ([]*Summary, error) {
	if f, ok := r.(*os.File); ok {
		if sums, err, ok := dumpsMapped(f, opt, atContext); ok {
			return sums, err
		}
	}
	return splitDumps(r, opt, atContext, readOptions{})
}

// dumpsMapped is ReadDumps on a regular file, mapped as ReadSummary maps
// it (readsummary_mapped.go): text that holds one dump is summarised in
// parts, other text is split as it is read from the mapping, each with
// the pages given back as they are read; anything else (gzip, a
// protobuf, a census's JSON) is read from f as a stream. ok is false
// when f cannot be mapped, or is no text (read it then, from where it
// was).
func dumpsMapped(f *os.File, opt Options, atContext bool) (sums []*Summary, err error, ok bool) {
	b, unmap, release, err, ok := mapText(f)
	if !ok || err != nil {
		return nil, err, ok
	}
	defer unmap()
	var twice bool
	if err := faultSafe(func() error {
		twice = occursTwice(b, []byte("goroutine 1 ["), release)
		return nil
	}); err != nil {
		return nil, err, true
	}
	// "goroutine 1 [" twice: two dumps, perhaps behind a log prefix.
	if !twice {
		s, err := summarizeIn(b, opt, mappedParts(len(b)), release)
		if err != nil || s.Reading.Dumps <= 1 {
			return []*Summary{s}, err, true
		}
	}
	err = faultSafe(func() error {
		sums, err = splitDumps(&releasingReader{b: b, release: release}, opt, atContext, readOptions{})
		return err
	})
	return sums, err, true
}

// occursTwice reports whether pat occurs at least twice in b, reading b
// a releaseWindow at a time and giving back (release, nil for none) the
// pages it has read, so that looking costs no more memory than reading.
func occursTwice(b, pat []byte, release func(from, to int)) bool {
	n := 0
	for off := 0; off < len(b); off += releaseWindow {
		end := min(len(b), off+releaseWindow)
		// An occurrence that starts in the window, ending past it.
		w := b[off:min(len(b), end+len(pat)-1)]
		for i := 0; ; {
			j := bytes.Index(w[i:], pat)
			if j < 0 || off+i+j >= end {
				break
			}
			if n++; n == 2 {
				break
			}
			i += j + 1
		}
		if release != nil {
			release(off, end)
		}
		if n == 2 {
			return true
		}
	}
	return false
}

// dumpSplitter hands each goroutine to the summarizer of its dump.
type dumpSplitter struct {
	opt       Options
	atContext bool
	// plain: the reference summariser (streamSummary's readOptions.plain).
	plain bool
	// census: the input is census JSON, whose parser numbers each
	// document (Goroutine.dump): a new number is a new dump, and nothing
	// else is.
	census bool
	zs     []*summarizer
	totals []int
	// parts counts the parser's dumps added up in each summarizer.
	parts []int
	// dump is the parser's number of the current dump (Goroutine.dump).
	dump int
	// seen1: goroutine 1 is in the current dump.
	seen1 bool
	// pending is a copy of a "running" goroutine with a stack, held until
	// the next goroutine says whether it starts the next dump.
	pending *Goroutine
}

func (sp *dumpSplitter) add(g *Goroutine) {
	i := len(sp.zs) - 1
	sp.zs[i].add(g)
	sp.totals[i] += max(g.Count, 1)
}

func (sp *dumpSplitter) next() {
	z := newSummarizer(sp.opt)
	z.plain = sp.plain
	sp.zs = append(sp.zs, z)
	sp.totals = append(sp.totals, 0)
	sp.parts = append(sp.parts, 1)
	sp.seen1 = false
}

func (sp *dumpSplitter) each(g *Goroutine) {
	d := max(g.dump, 1)
	if sp.census {
		if len(sp.zs) == 0 || d != sp.dump {
			sp.next()
			sp.dump = d
		}
		sp.add(g)
		return
	}
	switch {
	case len(sp.zs) == 0:
		sp.next()
		sp.dump = d
	case d != sp.dump:
		// A debug=1 title, or context came between: the held goroutine
		// ends its dump.
		sp.flushPending()
		sp.dump = d
		// A debug=1 record: no id, no state.
		if g.ID == 0 && g.State == "" || sp.atContext {
			sp.next()
		} else {
			sp.parts[len(sp.parts)-1]++
			sp.seen1 = false
		}
	case g.ID == 1 && sp.seen1:
		held := sp.pending
		sp.pending = nil
		if held != nil && g.State == "running" {
			sp.add(held)
			held = nil
		}
		sp.next()
		if held != nil {
			sp.add(held)
		}
	default:
		sp.flushPending()
	}
	if g.ID == 1 {
		sp.seen1 = true
	}
	if g.State == "running" && g.ID != 0 && len(g.Frames) > 0 {
		c := *g
		c.Frames = slices.Clone(g.Frames)
		sp.pending = &c
		return
	}
	sp.add(g)
}

func (sp *dumpSplitter) flushPending() {
	if sp.pending != nil {
		sp.add(sp.pending)
		sp.pending = nil
	}
}

// splitDumps reads r in one pass, one summarizer per dump.
func splitDumps(r io.Reader, opt Options, atContext bool, ro readOptions) ([]*Summary, error) {
	br := bufio.NewReaderSize(r, readBuffer)
	head, _ := br.Peek(sniffLen) // an error is parse's to report
	sp := &dumpSplitter{opt: opt, atContext: atContext, plain: ro.plain, census: isCensusInput(head)}
	ro.maxDecompressed = opt.MaxDecompressed
	// parse reads br itself: bufio.NewReaderSize returns a reader of the
	// size asked for as it is, so the peeked bytes are not lost.
	s, err := parse(br, sp.each, ro)
	if err != nil {
		return nil, err
	}
	sp.flushPending()
	if len(sp.zs) == 0 {
		sp.next() // no goroutines: one empty dump
	}
	if len(sp.zs) == 1 {
		return []*Summary{sp.zs[0].finish(s)}, nil
	}
	sums := make([]*Summary, len(sp.zs))
	for i, z := range sp.zs {
		one := &Snapshot{Format: s.Format, Profile: s.Profile, Total: sp.totals[i], Reading: Reading{Dumps: sp.parts[i]}}
		if i == 0 {
			one.Preamble, one.Reading = s.Preamble, s.Reading
			one.Reading.Dumps = sp.parts[i]
		}
		if i == len(sp.zs)-1 {
			one.Context = s.Context
		}
		sums[i] = z.finish(one)
	}
	return sums, nil
}

// isCensusInput says whether input starting with head is census JSON,
// gzipped or not, after a byte order mark or not, as parse tells it.
func isCensusInput(head []byte) bool {
	if isGzip(head) {
		zr, err := gzip.NewReader(bytes.NewReader(head))
		if err != nil {
			return false
		}
		// head holds the start of the stream only: what inflates before
		// the cut is enough to see the first key.
		head, _ = io.ReadAll(io.LimitReader(zr, sniffLen))
	}
	return isCensusJSON(bytes.TrimPrefix(head, utf8BOM))
}
