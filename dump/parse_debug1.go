package dump

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// parseDebug1Title parses the first line of a debug=1 profile:
//
//	goroutine profile: total 12
//	goroutineleak profile: total 3
func parseDebug1Title(line []byte) (profile string, total int, err error) {
	name, n, ok := bytes.Cut(line, []byte(" profile: total "))
	if !ok {
		return "", 0, fmt.Errorf("bad debug=1 title %q: want \"goroutine profile: total N\"", clip(line, 80))
	}
	switch string(name) {
	case "goroutine", "goroutineleak":
	default:
		return "", 0, fmt.Errorf("debug=1 profile %q: want goroutine or goroutineleak", clip(name, 40))
	}
	t, ok := atoi(n)
	if !ok {
		return "", 0, fmt.Errorf("bad total %q in debug=1 title: want a number", clip(n, 40))
	}
	return string(name), int(t), nil
}

// debug1 reads the legacy text of pprof's WriteTo(w, 1) for count
// profiles, whose title is line[i:] (p has read the context before it): a
// title, then records separated by blank lines, each a count and PCs,
// optional labels, and one line per frame (padded by tabwriter, so fields
// may be separated by several tabs):
//
//	goroutine profile: total 12
//	3 @ 0x43e0ae 0x40734c 0x4a0a45 0x4759e1
//	# labels: {"job":"w7", "path":"a b"}
//	#	0x4a0a44	main.blockChanRecv+0x24	/tmp/x/main.go:40
//	#	0x4759e0	runtime.goexit+0x0		/usr/local/go/src/runtime/asm_amd64.s:1700
//
// Profiles appended to one input (a program that writes one every few
// seconds to the same file) are read one after the other, and their records
// added up; the text before the first title and lines that are no part of
// a profile are context. A record or frame line that cannot be read is
// counted as damaged, a last profile whose records fall short of its total
// as cut.
func (p *debug2Parser) debug1(line []byte, i int) (*Snapshot, error) {
	if i > 0 && !p.clean.learn(line[:i]) {
		p.gluedContext(line[:i])
	}
	p.flush() // the preamble
	profile, total, err := parseDebug1Title(bytes.TrimRight(line[i:], " \t"))
	if err != nil {
		return nil, err
	}
	s := &p.snap
	s.Format, s.Profile, s.Reading.Dumps = FormatDebug1, profile, 1
	strs := p.strs
	var cur *Goroutine
	var frames []Frame
	// With p.each, a record is handed over as it ends, and its Goroutine
	// and frames reused for the next: memory does not grow with the
	// records.
	var one *Goroutine
	end := func() {
		if cur == nil {
			return
		}
		if p.each != nil {
			cur.Frames = frames
			p.each(cur)
		} else {
			cur.Frames = p.arena.copy(frames)
		}
		frames, cur = frames[:0], nil
	}
	sum := 0 // of the current profile's records
	// damagedLast: the last line read was damaged; at the end of the
	// input, a line cut short.
	damagedLast := false
	damaged := func() {
		s.Reading.Damaged++
		damagedLast = true
	}
	// endProfile checks a profile's records against its title; last says
	// whether it ends the input.
	endProfile := func(last bool) {
		switch {
		case sum == total:
		case sum < total && last:
			s.Reading.Cut = fmt.Sprintf("the last debug=1 profile's records add up to %d goroutines of its total %d", sum, total)
		default:
			s.Reading.Damaged++
		}
	}
	for {
		line, err := p.lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if p.clean.active() {
			line = p.clean.clean(line)
			if p.clean.glued != nil {
				p.context(p.clean.glued)
				p.clean.glued = nil
			}
		}
		damagedLast = false
		switch {
		case len(line) == 0:
			end()
		case line[0] == '#':
			if cur == nil {
				p.context(line)
				continue
			}
			if l, ok := bytes.CutPrefix(line, []byte("# labels: ")); ok {
				// # labels: {"job":"w7", "path":"a b"}
				if labels, ok := debug1Labels(l, strs); ok {
					cur.Labels = labels
				} else {
					damaged()
				}
				continue
			}
			// #	0x4a0a44	main.blockChanRecv+0x24	/tmp/x/main.go:40
			// #	0x4a0a44   (no symbol)
			f, ok := debug1Frame(line[1:], strs)
			if !ok {
				damaged()
				continue
			}
			if f.Func != "" && len(frames) < maxFrames {
				frames = append(frames, f)
			}
		default:
			if debug1TitleAt(line) == 0 {
				// goroutine profile: total 2   (the next profile)
				end()
				endProfile(false)
				name, t, err := parseDebug1Title(bytes.TrimRight(line, " \t"))
				if err != nil || name != profile {
					p.context(line)
					continue
				}
				total, sum = t, 0
				s.Reading.Dumps++
				continue
			}
			// 3 @ 0x43e0ae 0x40734c 0x4a0a45 0x4759e1
			end()
			n, _, ok := bytes.Cut(line, []byte(" @"))
			count, ok2 := atoi(n)
			if !ok || !ok2 || count > 1<<31 {
				p.context(line)
				continue
			}
			if p.each == nil {
				cur = &Goroutine{}
				s.Goroutines = append(s.Goroutines, cur)
			} else {
				if one == nil {
					one = new(Goroutine)
				}
				cur = one
			}
			*cur = Goroutine{Count: int(count), Leaked: profile == "goroutineleak", dump: s.Reading.Dumps}
			sum += int(count)
			s.Total += int(count)
		}
	}
	end()
	endProfile(true)
	if damagedLast && s.Reading.Cut == "" {
		s.Reading.Cut = "the input ends in a damaged line of the last debug=1 record"
	}
	return s, nil
}

// debug1Frame parses the fields after "#" of a frame line, separated by
// one or more tabs: PC, func+offset, file:line.
func debug1Frame(b []byte, strs interner) (Frame, bool) {
	var fields [3][]byte
	n := 0
	if bytes.IndexByte(b, '\t') < 0 {
		// Tabs shown as spaces (a log viewer, a paste): the PC and the
		// function are one word each, the file (which may hold spaces)
		// the rest.
		for n < 2 {
			b = bytes.TrimLeft(b, " ")
			i := bytes.IndexByte(b, ' ')
			if i < 0 {
				i = len(b)
			}
			if i > 0 {
				fields[n] = b[:i]
				n++
			}
			b = b[i:]
			if len(b) == 0 {
				break
			}
		}
		if b = bytes.TrimSpace(b); len(b) > 0 {
			fields[n] = b
			n++
		}
		return debug1Fields(fields[:n], strs)
	}
	for len(b) > 0 {
		f := b
		if i := bytes.IndexByte(b, '\t'); i >= 0 {
			f, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(f) == 0 {
			continue
		}
		if n == len(fields) {
			return Frame{}, false
		}
		fields[n] = f
		n++
	}
	return debug1Fields(fields[:n], strs)
}

// debug1Fields reads a frame line's fields: PC, and func+offset and
// file:line when there is symbol information.
func debug1Fields(fields [][]byte, strs interner) (Frame, bool) {
	n := len(fields)
	if n == 0 {
		return Frame{}, false
	}
	if _, ok := hexval(fields[0]); !ok {
		return Frame{}, false
	}
	if n == 1 {
		return Frame{}, true // a PC without symbol information
	}
	fn := fields[1]
	if i := bytes.LastIndex(fn, []byte("+0x")); i > 0 {
		fn = fn[:i]
	}
	f := Frame{Func: strs.get(fn)}
	if n == 3 {
		file := fields[2]
		if i := bytes.LastIndexByte(file, ':'); i >= 0 {
			if l, ok := atoi(file[i+1:]); ok {
				file, f.Line = file[:i], int(l)
			}
		}
		f.File = strs.get(file)
	}
	return f, true
}

// debug1Labels parses {"job":"w7", "path":"a b"}: keys and values quoted
// with %q, pairs sorted and joined with ", ".
func debug1Labels(b []byte, strs interner) (map[string]string, bool) {
	b, ok := bytes.CutPrefix(b, []byte("{"))
	if !ok {
		return nil, false
	}
	b, ok = bytes.CutSuffix(b, []byte("}"))
	if !ok {
		return nil, false
	}
	return labelList(b, ":", func(b []byte) (string, []byte, bool) { return goQuoted(b, strs) })
}

// goQuoted reads a string quoted by strconv.Quote from the start of b.
func goQuoted(b []byte, strs interner) (string, []byte, bool) {
	if len(b) < 2 || b[0] != '"' {
		return "", b, false
	}
	escaped := false
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			if !escaped {
				return strs.get(b[1:i]), b[i+1:], true
			}
			s, err := strconv.Unquote(string(b[:i+1]))
			if err != nil {
				return "", b, false
			}
			return strs.get([]byte(s)), b[i+1:], true
		}
	}
	return "", b, false
}
