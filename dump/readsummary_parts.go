package dump

import (
	"bytes"
	"sync"
)

// The parallel path of ReadSummary, fenced here: debug=2 text in memory
// (a mapped file) is cut at goroutine boundaries into one part per CPU,
// each part summarised on its own goroutine, and the parts' summarisers
// merged in input order. streamSummary is the reference it must agree
// with (reference_test.go, FuzzDebug2).

// minPart is the least debug=2 text worth a goroutine of its own when a
// dump in memory is summarised in parts.
const minPart = 256 << 10

// summarizeBytes is ReadSummary on input in memory, debug=2 text in at
// most parts parts.
func summarizeBytes(b []byte, opt Options, parts int) (sum *Summary, err error) {
	return summarizeIn(b, opt, parts, nil)
}

// summarizeIn is summarizeBytes on a mapped file, whose pages release
// gives back as they are read (nil for bytes of the Go heap).
func summarizeIn(b []byte, opt Options, parts int, release func(from, to int)) (sum *Summary, err error) {
	err = faultSafe(func() error {
		sum, err = summarizeParts(b, opt, parts, release)
		return err
	})
	return sum, err
}

func summarizeParts(b []byte, opt Options, parts int, release func(from, to int)) (*Summary, error) {
	head := b[:min(len(b), sniffLen)]
	if !isDebug2Text(head) {
		return streamSummary(&releasingReader{b: b, release: release}, opt, readOptions{})
	}
	// Colour seen at the start is removed from every part.
	in := textInput{ansi: bytes.IndexByte(head, 0x1b) >= 0}
	starts := splitDebug2(b, parts)
	type result struct {
		z   *summarizer
		s   *Snapshot
		err error
	}
	results := make([]result, len(starts))
	var wg sync.WaitGroup
	part := func(i int) []byte {
		if i+1 < len(starts) {
			return b[starts[i]:starts[i+1]]
		}
		return b[starts[i]:]
	}
	for i := range starts {
		wg.Go(func() {
			r := &results[i]
			r.z = newSummarizer(opt)
			r.err = faultSafe(func() (err error) {
				in := in
				in.continued = i > 0
				p := part(i)
				lr := lineReader{mem: p, release: release, relAt: starts[i], relLen: len(p)}
				r.s, err = parseDebug2(lr, r.z.add, in)
				return err
			})
		})
	}
	wg.Wait()
	if len(results) > 1 {
		for _, r := range results {
			// A debug=1 title before the first goroutine header, and
			// headers after it; or a prefix learned in one part, which the
			// parts after it would not know: read it in one pass, as a
			// stream would be. (A prefixed dump has no header at column 0
			// to cut at: such input mixes dumps.)
			if r.err == nil && (r.s.Format != FormatDebug2 || r.s.Reading.Prefix != "") {
				return streamSummary(&releasingReader{b: b, release: release}, opt, readOptions{})
			}
		}
	}
	for i, r := range results {
		if r.err == nil {
			continue
		}
		if i > 0 && r.err != errFileChanged {
			// Read the part again, counting lines from the start of the
			// input, for the error's line number.
			lines := bytes.Count(b[:starts[i]], []byte("\n"))
			if err := faultSafe(func() error {
				in := in
				in.continued = true
				_, err := parseDebug2(lineReader{mem: part(i), n: lines}, func(*Goroutine) {}, in)
				return err
			}); err != nil {
				return nil, err
			}
		}
		return nil, r.err
	}
	z, s := results[0].z, results[0].s
	for i, r := range results[1:] {
		z.merge(r.z)
		s.Total += r.s.Total
		// Each part counted its first dump; it continues the one before
		// unless context ended the part before.
		r.s.Reading.Dumps--
		if results[i].s.contextAtEnd {
			r.s.Reading.Dumps++
		}
		s.Reading.add(r.s.Reading)
		for _, line := range r.s.Context {
			if len(s.Context) < maxContext {
				s.Context = append(s.Context, line)
			}
		}
	}
	return z.finish(s), nil
}

// splitDebug2 returns the offsets at which to cut debug=2 text into at
// most parts parts of about equal size: 0, then the starts of goroutine
// headers that follow a blank line, where the parser holds nothing from
// the lines before.
func splitDebug2(b []byte, parts int) []int {
	starts := []int{0}
	// Part 0 keeps the preamble (a crash's log can be most of the input)
	// and at least the first goroutine: cut only after the first header.
	first := 0
	for !headerLike(b[first:min(len(b), first+64)]) {
		j := bytes.Index(b[first:], []byte("\ngoroutine "))
		if j < 0 {
			return starts
		}
		first += j + 1
	}
	boundary := []byte("\n\ngoroutine ")
	for i := 1; i < parts; i++ {
		from := max(len(b)*i/parts, starts[len(starts)-1], first+1)
		for {
			j := bytes.Index(b[from:], boundary)
			if j < 0 {
				return starts
			}
			start := from + j + 2 // the header line
			from = start
			// "goroutine 12 exited" (a log line after a dump) is no header.
			if headerLike(b[start:min(len(b), start+64)]) {
				starts = append(starts, start)
				break
			}
		}
	}
	return starts
}

// merge adds to z what o gathered from the input that follows z's: the
// goroutine ids kept per group stay in input order.
func (z *summarizer) merge(o *summarizer) {
	z.matched += o.matched
	for name, r := range o.states {
		row := z.states[name]
		if row == nil {
			c := *r
			z.states[name] = &c
			continue
		}
		row.Count += r.Count
		row.Leaked += r.Leaked
		row.MinMinutes = min(row.MinMinutes, r.MinMinutes)
		row.MaxMinutes = max(row.MaxMinutes, r.MaxMinutes)
	}
	for kv, n := range o.labels {
		z.labels[kv] += n
	}
	for _, g := range o.groups {
		acc := z.find(g.State, g.StateFromLabel, g.Frames)
		acc.Count += g.Count
		acc.Leaked += g.Leaked
		for name := range g.createdBy {
			acc.createdBy[name] = true
		}
		for _, id := range g.IDs {
			if len(acc.IDs) == maxGroupIDs {
				break
			}
			acc.IDs = append(acc.IDs, id)
		}
		if len(g.labels) > 0 && acc.labels == nil {
			acc.labels = map[[2]string]int{}
		}
		for kv, n := range g.labels {
			acc.labels[kv] += n
		}
	}
	z.lastRow, z.lastGroup = nil, nil
}
