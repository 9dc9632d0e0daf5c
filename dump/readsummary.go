package dump

import (
	"io"
	"os"
)

// ReadSummary reads a goroutine dump in any format [Parse] reads and
// summarises it as [Summarize] does, without keeping its goroutines: a
// debug=2 goroutine or debug=1 record is summarised as soon as it is read,
// a protobuf's samples are added up as they are decoded, so memory grows
// with the number of distinct stacks, not with the input. Gzipped input
// may decompress to at most Options.MaxDecompressed bytes
// ([DefaultMaxDecompressed]); more is a [*DecompressedLimitError].
//
// A regular file of text (r is an *os.File) is mapped into memory rather
// than read, its pages given back as they are read, and large debug=2
// text is summarised in parts, one per CPU, cut at goroutine boundaries.
// A file that shrinks while mapped is reported as an error.
func ReadSummary(r io.Reader, opt Options) (*Summary, error) {
	if f, ok := r.(*os.File); ok {
		if sum, err, ok := readMapped(f, opt); ok {
			return sum, err
		}
	}
	return streamSummary(r, opt, readOptions{})
}

// streamSummary summarises r in one pass, one goroutine at a time: the
// reference path, which the fast paths (readsummary_mapped.go,
// readsummary_parts.go) must agree with.
func streamSummary(r io.Reader, opt Options, ro readOptions) (*Summary, error) {
	z := newSummarizer(opt)
	z.plain = ro.plain
	ro.maxDecompressed = opt.MaxDecompressed
	s, err := parse(r, z.add, ro)
	if err != nil {
		return nil, err
	}
	return z.finish(s), nil
}
