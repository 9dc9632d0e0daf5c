package dump

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

const (
	// readBuffer is the bufio size for Parse: lines are sliced out of it
	// without copying. Larger buffers only cost page faults.
	readBuffer = 64 << 10
	// maxLine bounds one line of text input.
	maxLine = 16 << 20
	// sniffLen is how much of the input Parse looks at to pick a format.
	sniffLen = 4 << 10
)

// errNotDump is the error for input in none of the formats.
var errNotDump = errors.New(`not a goroutine dump: want debug=2 text ("goroutine 1 [running]:"), ` +
	`debug=1 text ("goroutine profile: total N") or a pprof protobuf`)

// Parse reads a goroutine dump in any of the formats listed in the package
// documentation, detected from its content: a gzip header means a
// protobuf, or text if the decompressed bytes are text; text is read as
// debug=2 text, which may start with a panic or "fatal error:" preamble or
// any other context, unless a debug=1 title ("goroutine profile: total N")
// comes before the first goroutine header; other binary input is tried as
// an uncompressed protobuf. Text is read as users hold it: see [Reading].
func Parse(r io.Reader) (*Snapshot, error) {
	return parse(r, nil, readOptions{})
}

// readOptions are the internal choices of a read.
type readOptions struct {
	// plain: read with the reference parser, without the allocation
	// savers of intern.go.
	plain bool
	// maxDecompressed is Options.MaxDecompressed.
	maxDecompressed int64
}

// DefaultMaxDecompressed is the most bytes gzipped input may decompress to
// unless Options.MaxDecompressed says otherwise: four times the text of a
// million goroutines. Nothing read is kept whole (text is summarised as it
// is read, a protobuf's samples added up as they are decoded), so the cap
// bounds the time spent on a gzip bomb, not memory.
const DefaultMaxDecompressed = 1 << 30

// DecompressedLimitError is the error for gzipped input that decompresses
// to more than the limit.
type DecompressedLimitError struct{ Limit int64 }

func (e *DecompressedLimitError) Error() string {
	return fmt.Sprintf("gzipped input decompresses to more than the limit of %d bytes", e.Limit)
}

// capReader reads r until it has given left bytes, then fails with a
// DecompressedLimitError.
type capReader struct {
	r     io.Reader
	left  int64
	limit int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// One more byte says whether the input ends at the limit.
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, &DecompressedLimitError{Limit: c.limit}
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// parse is Parse; with each set, it hands each goroutine to each instead
// of keeping it in the Snapshot, whose Goroutines is then empty. A debug=2
// goroutine is handed over as soon as its block ends, and the Goroutine
// and its Frames are reused for the next one once each returns.
func parse(r io.Reader, each func(*Goroutine), ro readOptions) (*Snapshot, error) {
	br := bufio.NewReaderSize(r, readBuffer)
	head, err := peekHead(br)
	if err != nil {
		return nil, err
	}
	in := textInput{plain: ro.plain}
	if isGzip(head) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("reading gzipped input: %w", err)
		}
		defer zr.Close()
		limit := cmp.Or(ro.maxDecompressed, DefaultMaxDecompressed)
		br = bufio.NewReaderSize(&capReader{r: zr, left: limit, limit: limit}, readBuffer)
		if head, err = peekHead(br); err != nil {
			return nil, fmt.Errorf("reading gzipped input: %w", err)
		}
		if !isTextInput(head) {
			if err := checkProtoHead(head); err != nil {
				return nil, fmt.Errorf("%w: gzipped input that starts with %q is neither text nor a protobuf profile: %v", errNotDump, clip(head, 16), err)
			}
			return protoSnapshot(br, each)
		}
		in.reading.Gzip = true
	}
	if bytes.HasPrefix(head, utf8BOM) {
		br.Discard(len(utf8BOM))
		head = head[len(utf8BOM):]
		in.reading.BOM = true
	}
	if isTextInput(head) {
		if isCensusJSON(head) {
			return parseCensus(br, each)
		}
		in.ansi = bytes.IndexByte(head, 0x1b) >= 0
		return parseDebug2(lineReader{br: br}, each, in)
	}
	if err := checkProtoHead(head); err != nil {
		return nil, fmt.Errorf("%w: input that starts with %q is neither text nor a protobuf profile: %v", errNotDump, clip(head, 16), err)
	}
	s, err := protoSnapshot(br, each)
	if err != nil {
		return nil, fmt.Errorf("%w: input starts with %q, and as a protobuf: %v", errNotDump, clip(head, 32), err)
	}
	return s, nil
}

// peekHead returns the first sniffLen bytes of br (fewer if the input is
// shorter), or an error for empty input.
func peekHead(br *bufio.Reader) ([]byte, error) {
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("reading goroutine dump: %w", err)
	}
	if len(head) == 0 {
		return nil, fmt.Errorf("%w: the input is empty", errNotDump)
	}
	return head, nil
}

// protoSnapshot reads a protobuf (uncompressed by now): a profile holds
// one record per distinct stack, so reading it whole costs little.
func protoSnapshot(r io.Reader, each func(*Goroutine)) (*Snapshot, error) {
	s, err := parseProto(r)
	if err != nil {
		return nil, err
	}
	if each != nil {
		for _, g := range s.Goroutines {
			each(g)
		}
		s.Goroutines = nil
	}
	return s, nil
}

func isGzip(head []byte) bool { return len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b }

// isDebug2Text reports whether the first bytes of an input, head, are read
// as text (debug=2, or debug=1 after some context) when in memory: text,
// without a byte order mark to skip first.
func isDebug2Text(head []byte) bool {
	return len(head) > 0 && isTextInput(head) && !bytes.HasPrefix(head, utf8BOM) && !isCensusJSON(head)
}

// isTextInput reports whether b has no control bytes other than tab,
// newline, carriage return and escape (which starts the ANSI sequences of
// colour): a protobuf almost always has some, as field tags and lengths
// are small varints. The last bytes of b may be a UTF-8 sequence cut short.
func isTextInput(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != 0x1b || c == 0x7f {
			return false
		}
	}
	return true
}

// clip returns at most n bytes of b, for error messages.
func clip(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// lineReader returns the lines of a bufio.Reader, or of bytes in memory
// when br is nil, without their line ending. Lines are sliced out of the
// reader's buffer when they fit (valid until the next call), or out of
// the bytes.
type lineReader struct {
	br   *bufio.Reader
	mem  []byte // the rest of the input, when br is nil
	long []byte // a line longer than the bufio buffer
	n    int    // number of the last line returned, from 1
	// unterminated: the last line returned ended the input without a
	// newline (the runtime ends every line with one: a cut).
	unterminated bool
	// release, if set, is handed the offsets of the text read, a window
	// at a time, so that the pages of a mapped file read through are given
	// back (readsummary_mapped.go): mem started at offset relAt of the
	// file's text, with relLen bytes, of which relDone are released.
	release                func(from, to int)
	relAt, relLen, relDone int
}

// next returns the next line, or io.EOF after the last.
func (lr *lineReader) next() ([]byte, error) {
	if lr.br == nil {
		// The caller is done with the line before this one.
		if read := lr.relLen - len(lr.mem); lr.release != nil && read-lr.relDone >= releaseWindow {
			lr.release(lr.relAt+lr.relDone, lr.relAt+read)
			lr.relDone = read
		}
		if len(lr.mem) == 0 {
			return nil, io.EOF
		}
		line := lr.mem
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line, lr.mem = line[:i], line[i+1:]
		} else {
			lr.mem, lr.unterminated = nil, true
		}
		if len(line) > maxLine {
			return nil, fmt.Errorf("line %d is longer than %d bytes", lr.n+1, maxLine)
		}
		lr.n++
		return bytes.TrimSuffix(line, []byte("\r")), nil
	}
	line, err := lr.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		lr.long = append(lr.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = lr.br.ReadSlice('\n')
			lr.long = append(lr.long, line...)
			if len(lr.long) > maxLine {
				return nil, fmt.Errorf("line %d is longer than %d bytes", lr.n+1, maxLine)
			}
		}
		line = lr.long
	}
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("reading line %d: %w", lr.n+1, err)
	}
	if len(line) == 0 && err == io.EOF {
		return nil, io.EOF
	}
	lr.unterminated = err == io.EOF
	lr.n++
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return line, nil
}

// atoi parses a non-negative decimal number; ok is false for an empty,
// non-digit or overflowing b.
func atoi(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// hexval parses "0x" followed by hex digits.
func hexval(b []byte) (uint64, bool) {
	if len(b) < 3 || b[0] != '0' || b[1] != 'x' || len(b) > 18 {
		return 0, false
	}
	var n uint64
	for _, c := range b[2:] {
		switch {
		case '0' <= c && c <= '9':
			n = n<<4 | uint64(c-'0')
		case 'a' <= c && c <= 'f':
			n = n<<4 | uint64(c-'a'+10)
		case 'A' <= c && c <= 'F':
			n = n<<4 | uint64(c-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}

// labelList parses the label pairs of every format, "k: v, k: v" (sep is
// ": " in debug=2 headers, ":" in debug=1), where token reads one key or
// value in the format's quoting.
func labelList(b []byte, sep string, token func([]byte) (string, []byte, bool)) (map[string]string, bool) {
	m := make(map[string]string)
	for len(b) > 0 {
		k, rest, ok := token(b)
		if !ok || !bytes.HasPrefix(rest, []byte(sep)) {
			return nil, false
		}
		v, rest, ok := token(rest[len(sep):])
		if !ok {
			return nil, false
		}
		m[k] = v
		if len(rest) == 0 {
			break
		}
		if !bytes.HasPrefix(rest, []byte(", ")) {
			return nil, false
		}
		b = rest[2:]
	}
	return m, true
}
