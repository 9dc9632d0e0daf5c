package dump

import "bytes"

// What logs, terminals and pastes do to a dump's lines, and how the text
// reader undoes it. The runtime writes every goroutine header at column 0;
// a dump read from journald, CI logs, kubectl, a Markdown code block or an
// e-mail quote has something before each line instead. The reader learns
// that prefix from the first header that has one, and removes the same
// shape of prefix from the lines around. None of this runs for a clean
// dump, whose headers start their lines.

// utf8BOM is the byte order mark some editors put at the start of a file.
var utf8BOM = []byte("\xef\xbb\xbf")

// maxContext bounds Snapshot.Context.
const maxContext = 64

// lineCleaner removes what surrounds a dump's lines: ANSI escape sequences
// and a learned prefix. It is used only once either is known, so a clean
// dump's lines never pass through it.
type lineCleaner struct {
	rd *Reading
	// ansi: remove ANSI escape sequences from every line.
	ansi bool
	// prefix is the shape of the learned prefix; blank is prefix without
	// its trailing blanks (what a blank line of the dump keeps of it).
	prefix, blank []byte
	// pending: prefix was learned from one header line, and the next line
	// decides: with the same shape of prefix it is a prefix; otherwise the
	// text was glued to the header.
	pending bool
	// glued is the text of a pending prefix found glued, for the reader
	// to take as context.
	glued   []byte
	scratch []byte
}

// active reports whether lines need cleaning.
func (c *lineCleaner) active() bool { return c.ansi || c.prefix != nil }

// clean returns line without ANSI escapes and without the learned prefix.
// The result may be in a scratch buffer, valid until the next call.
func (c *lineCleaner) clean(line []byte) []byte {
	if c.ansi && bytes.IndexByte(line, 0x1b) >= 0 {
		c.scratch = stripANSI(c.scratch[:0], line)
		line = c.scratch
		c.rd.ColorLines++
	}
	if c.prefix == nil {
		return line
	}
	if n, ok := matchPrefix(line, c.prefix); ok {
		c.confirm()
		c.rd.PrefixedLines++
		return line[n:]
	}
	if n, ok := matchPrefix(line, c.blank); ok && n == len(line) && len(c.blank) > 0 {
		c.confirm()
		c.rd.PrefixedLines++
		return line[:0]
	}
	if c.pending {
		c.unlearn()
	}
	return line
}

// learn takes prefix (what stood before the first header or debug=1 title
// on its line) as the prefix of the lines that follow, and reports whether
// it did. A prefix of blanks (an indentation) is taken at once. Other text
// is a prefix only if it ends as log prefixes end, in a blank or one of
// ":|>]", and if the next line starts with the same shape (see pending);
// otherwise it was glued to the header, and is context.
func (c *lineCleaner) learn(prefix []byte) bool {
	if last := prefix[len(prefix)-1]; !isBlank(last) && bytes.IndexByte([]byte(":|>]"), last) < 0 {
		c.rd.Glued++
		return false
	}
	c.prefix = append([]byte(nil), prefix...)
	c.blank = bytes.TrimRight(c.prefix, " \t")
	c.rd.Prefix = string(prefix)
	if len(c.blank) == 0 {
		c.rd.PrefixedLines++
		return true
	}
	c.pending = true
	return true
}

func (c *lineCleaner) confirm() {
	if c.pending {
		c.pending = false
		c.rd.PrefixedLines++ // the header's line
	}
}

// unlearn forgets a pending prefix: it was text glued to the header, and
// is left in glued for the reader to keep as context.
func (c *lineCleaner) unlearn() {
	c.glued = c.prefix
	c.prefix, c.blank, c.pending = nil, nil, false
	c.rd.Prefix = ""
	c.rd.Glued++
}

// matchPrefix reports whether line starts with the shape of prefix, and
// how long that start is. A run of digits in prefix matches any run of
// digits, a run of ASCII letters any run of letters (timestamps, months,
// log levels change from line to line), a run of blanks inside prefix any
// run of blanks; a trailing run of blanks must be equal, for the dump's
// own indentation follows it; other bytes must be equal.
func matchPrefix(line, prefix []byte) (int, bool) {
	i, j := 0, 0
	for i < len(prefix) {
		c := prefix[i]
		var class func(byte) bool
		switch {
		case isDigit(c):
			class = isDigit
		case isLetter(c):
			class = isLetter
		case c == ' ' || c == '\t':
			k := i
			for k < len(prefix) && (prefix[k] == ' ' || prefix[k] == '\t') {
				k++
			}
			if k == len(prefix) {
				if !bytes.HasPrefix(line[j:], prefix[i:]) {
					return 0, false
				}
				return j + len(prefix) - i, true
			}
			class = isBlank
		default:
			if j >= len(line) || line[j] != c {
				return 0, false
			}
			i, j = i+1, j+1
			continue
		}
		for i < len(prefix) && class(prefix[i]) {
			i++
		}
		start := j
		for j < len(line) && class(line[j]) {
			j++
		}
		if j == start {
			return 0, false
		}
	}
	return j, true
}

func isLetter(c byte) bool { return 'a' <= c&^0x20 && c&^0x20 <= 'Z' }
func isBlank(c byte) bool  { return c == ' ' || c == '\t' }

// stripANSI appends line to dst without its ANSI escape sequences: CSI
// sequences ("\x1b[1;31m", "\x1b[0m", "\x1b[K") and two-byte escapes.
func stripANSI(dst, line []byte) []byte {
	for i := 0; i < len(line); i++ {
		if line[i] != 0x1b {
			dst = append(dst, line[i])
			continue
		}
		if i+1 < len(line) && line[i+1] == '[' {
			// Parameters and intermediates, then a final byte in @..~.
			j := i + 2
			for j < len(line) && (line[j] < 0x40 || line[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		i++ // ESC and one byte
	}
	return dst
}

// headerAt returns the offset of the first goroutine header inside line
// (after other text) or -1: "goroutine N [" or "goroutine N gp=", on a
// line that ends as a header ends, with "]:" or "}:".
func headerAt(line []byte) int {
	end := bytes.TrimRight(line, " \t")
	if !bytes.HasSuffix(end, []byte("]:")) && !bytes.HasSuffix(end, []byte("}:")) {
		return -1
	}
	for off := 0; ; {
		i := bytes.Index(line[off:], prefixGoroutine)
		if i < 0 {
			return -1
		}
		i += off
		if headerLike(line[i:]) {
			return i
		}
		off = i + 1
	}
}

// headerLike reports whether b starts like a goroutine header, "goroutine N
// [" or "goroutine N gp=", whether or not the rest of it can be read.
// "goroutine 12 exited" (a log line) is not.
func headerLike(b []byte) bool {
	if !bytes.HasPrefix(b, prefixGoroutine) {
		return false
	}
	rest := b[len(prefixGoroutine):]
	i := 0
	for i < len(rest) && isDigit(rest[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	rest = rest[i:]
	return bytes.HasPrefix(rest, []byte(" [")) || bytes.HasPrefix(rest, []byte(" gp="))
}

// debug1TitleAt returns the offset of a debug=1 title in line, or -1:
//
//	goroutine profile: total 12
//	goroutineleak profile: total 3
//
// (any profile name: parseDebug1Title refuses those other than these two).
func debug1TitleAt(line []byte) int {
	i := bytes.Index(line, []byte(" profile: total "))
	if i <= 0 {
		return -1
	}
	if _, ok := atoi(bytes.TrimRight(line[i+len(" profile: total "):], " \t")); !ok {
		return -1
	}
	j := i
	for j > 0 && line[j-1] != ' ' && line[j-1] != '\t' && line[j-1] != '>' && line[j-1] != ':' {
		j--
	}
	return j
}

// crashLine reports whether a line of context is the headline of a crash,
// as the runtime prints it:
//
//	panic: runtime error: invalid memory address or nil pointer dereference
//	fatal error: all goroutines are asleep - deadlock!
//	SIGSEGV: segmentation violation
//	SIGQUIT: quit
func crashLine(line []byte) bool {
	if bytes.HasPrefix(line, []byte("panic: ")) || bytes.HasPrefix(line, []byte("fatal error: ")) {
		return true
	}
	if !bytes.HasPrefix(line, []byte("SIG")) {
		return false
	}
	i := 3
	for i < len(line) && 'A' <= line[i] && line[i] <= 'Z' {
		i++
	}
	return i > 3 && bytes.HasPrefix(line[i:], []byte(": "))
}

// raceWarning is the first line of a race detector report.
var raceWarning = []byte("WARNING: DATA RACE")
