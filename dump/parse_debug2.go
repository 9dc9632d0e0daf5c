package dump

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"strings"
)

const (
	// maxPreamble bounds Snapshot.Preamble.
	maxPreamble = 64 << 10
	// goroutineChunk is the number of goroutines per chunk while parsing.
	goroutineChunk = 1024
)

// debug2Parser reads the text of runtime.Stack(buf, true), a debug=2
// profile or a crash, line by line. It keeps one goroutine under
// construction and appends it to the result when its block ends. It reads
// the text as users hold it, too: after a log prefix or an indentation on
// every line, with colour, glued to other output, damaged or cut (see
// Reading); and it hands a debug=1 profile found after some context to
// debug1.
type debug2Parser struct {
	lr      lineReader
	strs    interner
	arena   frameArena
	snap    Snapshot
	started bool // seen the first goroutine header
	// continued: the input is a part after the first (textInput).
	continued bool
	clean     lineCleaner

	preamble []byte

	// each, if set, is handed every goroutine as its block ends, and
	// cur and frames are reused afterwards: nothing is kept.
	each func(*Goroutine)
	// chunk holds the goroutines; snap.Goroutines points into it.
	// (Growing one []Goroutine of 100k goroutines by append would copy
	// it ~20 times, in long non-preemptible copies that stall the GC.)
	chunk []Goroutine

	in     bool       // inside a goroutine block
	cur    *Goroutine // the goroutine being read, in chunk
	frames []Frame    // its frames, copied to the arena when it ends
	anc    *Ancestor  // the ancestor block being read, if any
	extra  Ancestor   // an ancestor past maxAncestors, read and not kept
	// fileFor says which frame the next "\tfile:line" line belongs to.
	fileFor fileTarget
	// fileCut: the last "\tfile:line" line had no line number.
	fileCut bool
	// unknown: the last line, in a goroutine block, was none of the
	// runtime's (kept as context).
	unknown bool
	// prevFile is the file of the frame at the same depth in the previous
	// goroutine, when the function is the same (see repeatedFrame).
	prevFile string
	// The status and creator of the previous goroutine, tried before
	// the interner (see interner.again).
	lastState, lastCreatedBy, lastCreatedByFile string
}

type fileTarget int

const (
	fileNone fileTarget = iota
	fileFrame
	fileCreatedBy
	fileAncestorFrame
	fileAncestorCreatedBy
	fileSkipped // of a frame past maxFrames
)

// maxFrames bounds the frames kept of one goroutine (or ancestor, or
// debug=1 record): the runtime prints at most 100, eliding the middle of
// deeper stacks; more come only from crafted input, and are counted as
// elided, so that memory does not grow with them.
const maxFrames = 1024

// maxAncestors bounds the ancestors kept of one goroutine
// (GODEBUG=tracebackancestors=N prints up to N); the "[originating from
// goroutine N]:" line of each one more is context, its stack is read and
// not kept.
const maxAncestors = 1024

// textInput is what Parse found out about text input before reading its
// lines.
type textInput struct {
	reading Reading // Gzip, BOM
	ansi    bool    // ANSI escape sequences in the first bytes
	plain   bool    // the reference parser: see intern.go
	// continued: the text is a part of a dump after its first
	// (readsummary_parts.go), which starts at a goroutine header.
	continued bool
}

func parseDebug2(lr lineReader, each func(*Goroutine), in textInput) (*Snapshot, error) {
	p := &debug2Parser{
		lr:        lr,
		snap:      Snapshot{Format: FormatDebug2, Reading: in.reading},
		each:      each,
		arena:     frameArena{plain: in.plain},
		continued: in.continued,
	}
	if !in.plain {
		p.strs = make(interner)
	}
	p.snap.Reading.Dumps = 1
	p.clean = lineCleaner{rd: &p.snap.Reading, ansi: in.ansi}
	var otherTitle error
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
				p.gluedContext(p.clean.glued)
				p.clean.glued = nil
			}
		}
		p.unknown = false
		if !p.started {
			if i := debug1TitleAt(line); i >= 0 {
				// Another profile's title ("threadcreate profile: total
				// 9") is context, and the refusal if no dump follows.
				if _, _, err := parseDebug1Title(bytes.TrimRight(line[i:], " \t")); err != nil {
					otherTitle = cmp.Or(otherTitle, err)
				} else {
					return p.debug1(line, i)
				}
			}
		}
		p.line(line)
	}
	p.end()
	if !p.started && otherTitle != nil {
		return nil, otherTitle
	}
	if !p.started {
		if n := p.snap.Reading.RaceReports; n > 0 {
			return nil, fmt.Errorf("%w: a race detector report (%d %q), which names goroutines but holds no goroutine dump",
				errNotDump, n, raceWarning)
		}
		return nil, fmt.Errorf("%w: no goroutine header in %d lines of text starting %q",
			errNotDump, p.lr.n, clip([]byte(p.snap.Preamble), 40))
	}
	return &p.snap, nil
}

var (
	prefixGoroutine  = []byte("goroutine ")
	prefixCreatedBy  = []byte("created by ")
	prefixOrigin     = []byte("[originating from goroutine ")
	suffixOrigin     = []byte("]:")
	inGoroutine      = []byte(" in goroutine ")
	framesElided     = []byte(" frames elided...")
	additionalElided = []byte("...additional frames elided...")
)

// line handles one line of input.
func (p *debug2Parser) line(line []byte) {
	// goroutine 1 [running]:
	if bytes.HasPrefix(line, prefixGoroutine) && len(line) > len(prefixGoroutine) &&
		isDigit(line[len(prefixGoroutine)]) && headerLike(line) {
		p.block(line)
		return
	}
	if !p.in {
		p.outside(line)
		return
	}
	switch {
	case len(line) == 0:
		// The blank line between goroutines.
		p.flush()
	case line[0] == '\t':
		// 	/usr/local/go/src/runtime/proc.go:435 +0x1d
		// 	/usr/local/go/src/runtime/proc.go:435 +0x1d fp=0xc000047f38 sp=0xc000047f18 pc=0x4751d4
		p.fileLine(line[1:])
	case bytes.HasPrefix(line, prefixCreatedBy):
		p.createdBy(line[len(prefixCreatedBy):])
	case bytes.HasPrefix(line, prefixOrigin) && bytes.HasSuffix(line, suffixOrigin):
		// [originating from goroutine 1]:
		id, ok := atoi(line[len(prefixOrigin) : len(line)-len(suffixOrigin)])
		if !ok {
			p.context(line)
			return
		}
		if len(p.cur.Ancestors) == maxAncestors {
			// Its lines are read into an ancestor that is not kept.
			p.context(line)
			p.extra = Ancestor{Frames: p.extra.Frames[:0]}
			p.anc, p.fileFor = &p.extra, fileNone
			return
		}
		p.cur.Ancestors = append(p.cur.Ancestors, Ancestor{ID: id})
		p.anc = &p.cur.Ancestors[len(p.cur.Ancestors)-1]
		p.fileFor = fileNone
	case bytes.Equal(line, additionalElided):
		// ...additional frames elided...   (ancestors: only the innermost frames are kept)
		if p.anc != nil {
			p.anc.Elided = true
		}
	case bytes.HasPrefix(line, []byte("...")) && bytes.HasSuffix(line, framesElided):
		// ...12 frames elided...   (between the innermost and outermost frames)
		n, ok := atoi(line[3 : len(line)-len(framesElided)])
		if !ok {
			p.context(line)
			return
		}
		p.cur.ElidedFrames += int(n)
	case line[len(line)-1] == ')' && bytes.IndexByte(line, '(') > 0:
		p.call(line)
	default:
		p.other(line)
	}
}

// block starts a goroutine block at its header line. A header that cannot
// be read (cut, garbled) still starts a block, counted as damaged: its
// frames are real.
func (p *debug2Parser) block(line []byte) {
	p.flush()
	// Context between goroutines (a crash line, a log, a prompt) ends
	// one dump; the header after it starts the next.
	if p.snap.contextAtEnd {
		p.snap.Reading.Dumps++
		p.snap.contextAtEnd = false
	}
	p.started, p.in = true, true
	p.begin()
	// A trailing blank (pasted, or a cut "...]: ") is no part of it.
	for len(line) > 0 && isBlank(line[len(line)-1]) {
		line = line[:len(line)-1]
	}
	if err := p.header(line); err != nil {
		id, _ := atoi(line[len(prefixGoroutine) : len(prefixGoroutine)+bytes.IndexByte(line[len(prefixGoroutine):], ' ')])
		*p.cur = Goroutine{ID: id, Count: 1, State: DamagedState}
		p.snap.Reading.Damaged++
	}
}

// outside handles a line that is not in a goroutine block: before the
// first (the preamble: a crash's first lines, a log) or after one (exit
// status, the next command's output). A goroutine header may be glued to
// its end, or follow a prefix that the lines around share.
func (p *debug2Parser) outside(line []byte) {
	if i := headerAt(line); i > 0 {
		if p.clean.prefix != nil {
			p.snap.Reading.Glued++
			p.gluedContext(line[:i])
		} else if !p.clean.learn(line[:i]) {
			p.gluedContext(line[:i])
		}
		p.block(line[i:])
		return
	}
	if bytes.HasPrefix(line, raceWarning) {
		p.snap.Reading.RaceReports++
	}
	if !p.started {
		if len(p.preamble)+len(line) < maxPreamble {
			p.preamble = append(p.preamble, line...)
			p.preamble = append(p.preamble, '\n')
		}
		if len(bytes.TrimSpace(line)) > 0 {
			p.snap.Reading.ContextLines++
		}
		return
	}
	p.context(line)
}

// other handles a line in a goroutine block that is none of the runtime's
// usual lines: a line changed on its way to the user, a gccgo frame, a
// note in place of a stack, or the first line after the dump.
func (p *debug2Parser) other(line []byte) {
	// A trailing blank, or a blank line of blanks.
	if t := bytes.TrimRight(line, " \t"); len(t) < len(line) {
		p.line(t)
		return
	}
	// Frames' file lines indented by spaces instead of a tab (a log, a
	// paste), or a note indented by a tab.
	if isBlank(line[0]) {
		t := bytes.TrimLeft(line, " \t")
		if t[len(t)-1] == ')' && bytes.IndexByte(t, '(') > 0 {
			p.call(t)
		} else {
			p.fileLine(t)
		}
		return
	}
	// A header glued to the end of this line.
	if i := headerAt(line); i > 0 {
		p.snap.Reading.Glued++
		p.gluedContext(line[:i])
		p.block(line[i:])
		return
	}
	// gccgo prints a frame's function without its arguments:
	//
	//	main.main
	//		/root/go/src/demo/main.go:125
	if bytes.IndexByte(line, '.') > 0 && !bytes.ContainsAny(line, " \t") {
		p.callName(line)
		return
	}
	// "goroutine running on other thread; stack unavailable" and the
	// like: keep the first such line when there is no stack.
	if len(p.frames) == 0 && p.cur.Note == "" && p.anc == nil {
		p.cur.Note = string(line)
		p.fileFor = fileNone
		return
	}
	p.context(line)
}

// context keeps a line of input that is no part of the dump.
func (p *debug2Parser) context(line []byte) {
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	p.snap.Reading.ContextLines++
	if len(p.snap.Context) < maxContext {
		p.snap.Context = append(p.snap.Context, string(line))
	}
	p.unknown = p.in
	p.snap.contextAtEnd = p.started
	p.fileFor = fileNone
}

// gluedContext keeps the text found before a goroutine header on its line.
func (p *debug2Parser) gluedContext(text []byte) {
	switch {
	case !p.started:
		// Before the first header: the preamble's last line.
		p.outside(text)
	case p.snap.Total == 0 && p.in && !p.continued:
		// Found glued only on the line after the first header.
		if len(bytes.TrimSpace(text)) > 0 {
			p.snap.Reading.ContextLines++
		}
		if p.snap.Preamble != "" {
			p.snap.Preamble += "\n"
		}
		p.snap.Preamble += string(text)
	default:
		p.context(text)
	}
}

// end ends the input: the goroutine under construction, and the preamble
// without the prefix learned after it was read. An input that ends inside
// a goroutine's stack was cut.
func (p *debug2Parser) end() {
	if p.clean.pending {
		// The header was the last line: nothing says its text is a prefix.
		p.clean.unlearn()
		p.gluedContext(p.clean.glued)
		p.clean.glued = nil
	}
	if p.in {
		switch {
		case p.cur.State == DamagedState && len(p.frames) == 0:
			p.snap.Reading.Cut = fmt.Sprintf("the input ends in goroutine %d's header", p.cur.ID)
		case p.fileFor == fileFrame || p.fileFor == fileAncestorFrame || p.fileFor == fileSkipped:
			p.snap.Reading.Cut = fmt.Sprintf("the input ends in goroutine %d's stack, at a function line without its file:line", p.cur.ID)
		case p.fileFor == fileCreatedBy || p.fileFor == fileAncestorCreatedBy:
			p.snap.Reading.Cut = fmt.Sprintf("the input ends in goroutine %d's stack, at \"created by\" without its file:line", p.cur.ID)
		case p.fileCut:
			p.snap.Reading.Cut = fmt.Sprintf("the input ends in goroutine %d's stack, in a file:line", p.cur.ID)
		case p.unknown && p.lr.unterminated:
			p.snap.Reading.Cut = fmt.Sprintf("the input ends in goroutine %d's stack, in a line cut short", p.cur.ID)
		}
	}
	p.flush()
	if p.clean.prefix != nil && !p.clean.pending && p.snap.Preamble != "" {
		var b strings.Builder
		for line := range strings.Lines(p.snap.Preamble) {
			if n, ok := matchPrefix([]byte(line), p.clean.prefix); ok {
				line = line[n:]
				p.snap.Reading.PrefixedLines++
			}
			b.WriteString(line)
		}
		p.snap.Preamble = b.String()
	}
}

// call handles a frame's function line:
//
//	main.f(0x1, {0xc000012345, 0x3})
//	main.f(...)
//	main.(*T).m(0xc00001c030?)
//	panic({0x4a1d40?, 0x4f0b50?})
//	main.G[...](0x1)
func (p *debug2Parser) call(line []byte) {
	// line() saw a '(' in line; a mapped file rewritten meanwhile may
	// have lost it.
	p.callName(line[:max(0, bytes.LastIndexByte(line, '('))])
}

// callName handles a frame's function name.
func (p *debug2Parser) callName(name []byte) {
	if p.anc != nil && len(p.anc.Frames) == maxFrames {
		p.anc.Elided, p.fileFor = true, fileSkipped
		return
	}
	if p.anc == nil && len(p.frames) == maxFrames {
		p.cur.ElidedFrames++
		p.fileFor = fileSkipped
		return
	}
	if p.anc != nil {
		p.anc.Frames = append(p.anc.Frames, Frame{Func: p.strs.get(name)})
		p.fileFor = fileAncestorFrame
		return
	}
	if p.repeatedFrame(name) {
		return
	}
	p.frames = append(p.frames, Frame{Func: p.strs.get(name)})
	p.fileFor, p.prevFile = fileFrame, ""
}

// createdBy handles (after "created by "):
//
//	created by main.main in goroutine 1
//	created by main.spawn            (ancestors, and goroutines started by the runtime)
func (p *debug2Parser) createdBy(rest []byte) {
	for len(rest) > 0 && isBlank(rest[len(rest)-1]) {
		rest = rest[:len(rest)-1]
	}
	fn := rest
	var parent int64
	// The id is the last word; checking what precedes it is much cheaper
	// than searching for " in goroutine ".
	if i := bytes.LastIndexByte(rest, ' ') + 1; i > 0 && bytes.HasSuffix(rest[:i], inGoroutine) {
		if id, ok := atoi(rest[i:]); ok {
			fn, parent = rest[:i-len(inGoroutine)], id
		}
	}
	if p.anc != nil {
		p.anc.CreatedBy = p.strs.get(fn)
		p.fileFor = fileAncestorCreatedBy
		return
	}
	p.cur.CreatedBy = p.strs.again(&p.lastCreatedBy, fn)
	p.cur.CreatedByGoroutine = parent
	p.fileFor = fileCreatedBy
}

// fileLine handles a frame's location (after the tab):
//
//	/tmp/x/main.go:12 +0x1d
//	/tmp/x/main.go:12
//	/usr/local/go/src/runtime/proc.go:435 +0x1d fp=0xc000047f38 sp=0xc000047f18 pc=0x4751d4
func (p *debug2Parser) fileLine(b []byte) {
	var line int
	found := false
	// The line number follows the last colon, and only " +0x1d" and the
	// like follow it.
	if i := bytes.LastIndexByte(b, ':'); i >= 0 {
		j := i + 1
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if n, ok := atoi(b[i+1 : j]); ok && (j == len(b) || b[j] == ' ') {
			b, line, found = b[:i], int(n), true
		}
	}
	p.fileCut = !found
	if !found {
		if i := bytes.Index(b, []byte(" +0x")); i >= 0 {
			b = b[:i]
		} else if i := bytes.Index(b, []byte(" fp=")); i >= 0 {
			b = b[:i]
		}
	}
	switch p.fileFor {
	case fileFrame:
		f := &p.frames[len(p.frames)-1]
		f.File, f.Line = p.strs.again(&p.prevFile, b), line
	case fileCreatedBy:
		p.cur.CreatedByFile, p.cur.CreatedByLine = p.strs.again(&p.lastCreatedByFile, b), line
	case fileAncestorFrame:
		f := &p.anc.Frames[len(p.anc.Frames)-1]
		f.File, f.Line = p.strs.get(b), line
	case fileAncestorCreatedBy:
		p.anc.CreatedByFile, p.anc.CreatedByLine = p.strs.get(b), line
	case fileSkipped:
	default:
		// No frame waits for it: a note indented by a tab, as gccgo
		// prints "\tgoroutine in C code; stack unavailable".
		if len(p.frames) == 0 && p.cur.Note == "" && p.anc == nil {
			p.cur.Note = string(b)
		} else {
			p.context(b)
		}
	}
	p.fileFor = fileNone
}

// flush ends the goroutine under construction.
func (p *debug2Parser) flush() {
	if !p.started && p.preamble != nil {
		p.snap.Preamble = string(bytes.TrimRight(p.preamble, "\n"))
		p.preamble = nil
	}
	if !p.in {
		return
	}
	p.snap.Total++
	p.cur.dump = p.snap.Reading.Dumps
	if p.each != nil {
		p.cur.Frames = p.frames
		p.each(p.cur)
	} else {
		p.cur.Frames = p.arena.copy(p.frames)
		p.snap.Goroutines = append(p.snap.Goroutines, p.cur)
		p.cur = nil
	}
	p.frames, p.anc, p.in, p.fileFor = p.frames[:0], nil, false, fileNone
}

// begin makes p.cur a new, zero goroutine: the next in chunk, or, when
// goroutines are handed to each, the one goroutine reused throughout.
func (p *debug2Parser) begin() {
	if p.each != nil {
		if p.cur == nil {
			p.cur = new(Goroutine)
		}
		*p.cur = Goroutine{Count: 1}
		return
	}
	if len(p.chunk) == cap(p.chunk) {
		p.chunk = make([]Goroutine, 0, goroutineChunk)
	}
	p.chunk = p.chunk[:len(p.chunk)+1]
	p.cur = &p.chunk[len(p.chunk)-1]
	p.cur.Count = 1
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// header parses a goroutine header into p.cur. The runtime prints
// (runtime.goroutineheader):
//
//	goroutine 1 [running]:
//	goroutine 18 [chan receive, 2 minutes]:
//	goroutine 7 [select (leaked)]:
//	goroutine 9 [chan receive (durable)]:
//	goroutine 5 [semacquire, 3 minutes, locked to thread]:
//	goroutine 19 [waiting for godot]:
//	goroutine 0 gp=0xc000002380 m=0 mp=0x5c2d40 [idle]:             (GOTRACEBACK=system, or the goroutine that threw)
//	goroutine 20 [waiting for godot labels:{"job": "w7"}]:           (Go 1.26, GODEBUG=tracebacklabels=1)
//	goroutine 20 [waiting for godot] {job: w7, path: "a b"}:         (Go 1.27, GODEBUG=tracebacklabels=1)
//
// in the order: status, " (leaked)", " (scan)", " (durable)", ", N minutes",
// ", locked to thread", ", synctest bubble N", then the labels. The status
// is a wait reason that may itself hold commas, parentheses or any custom
// text, so the suffixes are taken off from the right.
func (p *debug2Parser) header(line []byte) error {
	bad := func(what string) error {
		return fmt.Errorf("bad goroutine header %q: %s", clip(line, 200), what)
	}
	rest := line[len(prefixGoroutine):]
	i := 0
	for i < len(rest) && isDigit(rest[i]) {
		i++
	}
	id, ok := atoi(rest[:i])
	if !ok {
		return bad("goroutine id out of range")
	}
	p.cur.ID = id
	rest = rest[i:]

	open := bytes.Index(rest, []byte(" ["))
	if open < 0 || !bytes.HasSuffix(rest, []byte(":")) {
		return bad(`want "goroutine N [status]:"`)
	}
	if open > 0 {
		// " gp=0xc000002380 m=0 mp=0x5c2d40" or " gp=0xc000002380 m=nil"
		sys, err := parseSystem(rest[:open])
		if err != nil {
			return bad(err.Error())
		}
		p.cur.System = sys
	}
	body := rest[open+2 : len(rest)-1] // "status]" or "status] {labels}"

	var status []byte
	switch {
	case bytes.HasSuffix(body, []byte("]")):
		status = body[:len(body)-1]
		// Go 1.26: `waiting for godot labels:{"job": "w7"}`.
		if bytes.HasSuffix(status, []byte("}")) {
			marker := []byte(" labels:{")
			for off := 0; ; {
				j := bytes.Index(status[off:], marker)
				if j < 0 {
					break // a status ending in "}", no labels
				}
				j += off
				if labels, ok := p.labels126(status[j+len(marker) : len(status)-1]); ok {
					p.cur.Labels, status = labels, status[:j]
					break
				}
				off = j + 1
			}
		}
	case bytes.HasSuffix(body, []byte("}")):
		// Go 1.27: `waiting for godot] {job: w7}`.
		marker := []byte("] {")
		found := false
		for off := 0; ; {
			j := bytes.Index(body[off:], marker)
			if j < 0 {
				break
			}
			j += off
			if labels, ok := p.labels127(body[j+len(marker) : len(body)-1]); ok {
				p.cur.Labels, status, found = labels, body[:j], true
				break
			}
			off = j + 1
		}
		if !found {
			return bad(`want labels as "] {key: value, ...}:"`)
		}
	default:
		return bad(`want "]:" or "] {labels}:" at the end`)
	}

	// ", synctest bubble 3"
	if j := bytes.LastIndex(status, []byte(", synctest bubble ")); j >= 0 {
		if n, ok := atoi(status[j+len(", synctest bubble "):]); ok {
			p.cur.Bubble, status = n, status[:j]
		}
	}
	// ", locked to thread"
	if s, ok := bytes.CutSuffix(status, []byte(", locked to thread")); ok {
		p.cur.LockedToThread, status = true, s
	}
	// ", 2 minutes"
	if s, ok := bytes.CutSuffix(status, []byte(" minutes")); ok {
		if j := bytes.LastIndex(s, []byte(", ")); j >= 0 {
			if n, ok := atoi(s[j+2:]); ok {
				p.cur.Minutes, status = int(n), s[:j]
			}
		}
	}
	// " (durable)" stays in the status: it is part of the wait reason
	// strings "chan receive (durable)" etc. The runtime appends it to other
	// reasons in a bubble, after " (scan)".
	durable := false
	if s, ok := bytes.CutSuffix(status, []byte(" (durable)")); ok {
		durable, status = true, s
	}
	// " (scan)"
	if s, ok := bytes.CutSuffix(status, []byte(" (scan)")); ok {
		p.cur.Scan, status = true, s
	}
	// " (leaked)"
	if s, ok := bytes.CutSuffix(status, []byte(" (leaked)")); ok {
		p.cur.Leaked, status = true, s
	}
	if durable {
		p.cur.Durable = true
		p.cur.State = p.strs.get(append(status[:len(status):len(status)], " (durable)"...))
	} else {
		p.cur.State = p.strs.again(&p.lastState, status)
	}
	return nil
}

// parseSystem parses " gp=0xc000002380 m=0 mp=0x5c2d40" or " gp=0xc000002380 m=nil".
func parseSystem(b []byte) (*SystemInfo, error) {
	s := &SystemInfo{M: -1}
	seen := false
	for _, f := range bytes.Fields(b) {
		k, v, _ := bytes.Cut(f, []byte("="))
		var ok bool
		switch string(k) {
		case "gp":
			s.GP, ok = hexval(v)
			seen = true
		case "m":
			if string(v) == "nil" {
				ok = true
			} else {
				s.M, ok = atoi(v)
			}
		case "mp":
			s.MP, ok = hexval(v)
		}
		if !ok {
			return nil, fmt.Errorf("bad field %q: want gp=0xADDR, m=N or m=nil, mp=0xADDR", f)
		}
	}
	if !seen {
		return nil, fmt.Errorf("unexpected %q before \"[\": want \" gp=0x... m=N mp=0x...\"", b)
	}
	return s, nil
}

// labels126 parses the labels of a Go 1.26 header (between "labels:{" and
// "}"), where keys and values are always quoted:
//
//	"job": "w7", "path": "a b}\"x"
func (p *debug2Parser) labels126(b []byte) (map[string]string, bool) {
	m, ok := labelList(b, ": ", p.quoted)
	return m, ok && len(m) > 0
}

// labels127 parses the labels of a Go 1.27 header (between "{" and "}"),
// where a key or value is quoted only if it has a byte outside
// [a-zA-Z0-9./_]:
//
//	job: w7, path: "a b}\"x"
func (p *debug2Parser) labels127(b []byte) (map[string]string, bool) {
	m, ok := labelList(b, ": ", p.maybeQuoted)
	return m, ok && len(m) > 0
}

// maybeQuoted reads a quoted string or a run of [a-zA-Z0-9./_] (possibly
// empty) from the start of b.
func (p *debug2Parser) maybeQuoted(b []byte) (string, []byte, bool) {
	if len(b) > 0 && b[0] == '"' {
		return p.quoted(b)
	}
	i := 0
	for i < len(b) && isBare(b[i]) {
		i++
	}
	return p.strs.get(b[:i]), b[i:], true
}

func isBare(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '/' || c == '_'
}

// quoted reads a Go-quoted string from the start of b (the runtime escapes
// \n \r \t \\ \" and writes other non-printable runes as \x, \u, \U, all of
// which strconv.Unquote reads).
func (p *debug2Parser) quoted(b []byte) (string, []byte, bool) {
	return goQuoted(b, p.strs)
}
