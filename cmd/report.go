package cmd

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"gsysint-demo/dump"
	"gsysint-demo/series"
)

func reportCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "summarise a goroutine dump (debug=2 text or crash output, debug=1 text, or the protobuf); compare several over time or across processes",
		ArgsUsage: "[PATH | - | URL | DIR]...",
		Description: "Reads a file, stdin (- or no argument), or an http(s) URL such as\n" +
			"http://127.0.0.1:6060/debug/pprof/goroutine?debug=2, detects the format from its content, and\n" +
			"prints the goroutines by state and wait reason, the largest groups by state and stack (with\n" +
			"file:line) and the labels. It reads a dump as logs and pastes leave it (a prefix on every\n" +
			"line, indentation, colour, gzip, a cut end) and says in one line what it undid or skipped.\n" +
			"Colour on a terminal, unless NO_COLOR is set.\n\n" +
			"Several dumps (several inputs, a directory written by park -o DIR, or one input holding dumps\n" +
			"one after another, as park's stdout does, census JSON too) are a series of one process: each\n" +
			"group's count in each dump, what is new, gone, grown or shrunk, and the leak suspects\n" +
			"(groups that grew in each of the last --suspect-window dumps). Dumps of several processes\n" +
			"(URLs of several hosts, a directory of other files, --merge) make one merged view with a\n" +
			"column per source; --to pprof writes it as a protobuf. An input that cannot be read is said\n" +
			"on its own line, the others are reported, and the exit status is 1.",
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the summary as JSON (schema: see package dump)"},
			&cli.IntFlag{Name: "top", Value: 10, Usage: "stack groups shown, largest first; 0 for all"},
			&cli.StringFlag{Name: "match", Usage: "keep goroutines whose wait reason, any function or any label (key=value) matches this regular expression"},
			&cli.StringFlag{Name: "max-decompressed", Value: "1GiB", Usage: "the most `SIZE` gzipped input may decompress to (bytes, or with KiB, MiB, GiB); more is refused"},
			&cli.StringFlag{Name: "html", Usage: "write the summary as one self-contained HTML page to `FILE` (- for stdout); the 1000 largest groups unless --top is given", TakesFile: true},
		}, seriesFlags()...),
		Action: func(c *cli.Context) error {
			crashIfTested("report")
			opt := dump.Options{Top: c.Int("top")}
			if opt.Top < 0 {
				return usagef("report: --top %d: want 0 (all) or more", opt.Top)
			}
			limit, err := parseByteSize(c.String("max-decompressed"))
			if err != nil {
				return usagef("report: --max-decompressed %q: %v", c.String("max-decompressed"), err)
			}
			opt.MaxDecompressed = limit
			if m := c.String("match"); m != "" {
				re, err := regexp.Compile(m)
				if err != nil {
					return usagef("report: --match %q: not a regular expression: %v", m, err)
				}
				opt.Match = re
			}
			html := c.String("html")
			if html != "" && c.Bool("json") {
				return usagef("report: --html and --json: want one of them")
			}
			if html != "" && !c.IsSet("top") {
				// The page filters its groups, so it holds more than
				// the text's 10; still bounded, as the page's size
				// grows with its groups.
				opt.Top = 1000
			}
			q, err := newSeriesRequest(c, opt, html)
			if err != nil {
				return err
			}
			if manyInputs(c) {
				return runInputs(e, c, q)
			}
			return runReport(e, c.Args().First(), q)
		},
	}
}

// runReport reports the one input src: its summary, or, when it holds
// several dumps one after another, their series.
func runReport(e *env, src string, q *seriesRequest) error {
	in, name, closeIn, err := openReportInput(e, src, q.timeout)
	if err != nil {
		return err
	}
	defer closeIn()
	all := q.opt
	all.Top = 0 // a series compares every group; one summary is cut to --top below
	sums, err := dump.ReadDumps(in, all, q.splitContext)
	if err := bodyError(in, name); err != nil {
		return err
	}
	if err != nil {
		return readError(name, err)
	}
	dumps := make([]series.Dump, len(sums))
	for i, s := range sums {
		dumps[i] = series.Dump{Name: fmt.Sprintf("%s#%d", name, i+1), Format: s.Format, Profile: s.Profile, Total: s.Total}
	}
	if len(sums) == 1 {
		dumps[0].Name = name
	}
	return writeSeries(e, dumps, sums, q)
}

// readError is the bad-input error for an input the readers refused; a
// gzip that decompresses past --max-decompressed says how to raise it.
func readError(name string, err error) error {
	if limit := (*dump.DecompressedLimitError)(nil); errors.As(err, &limit) {
		return usagef("report: %s: %v: want less, or a higher --max-decompressed", name, err)
	}
	return usagef("report: %s: %v", name, err)
}

// useColor reports whether text for w may be coloured: w is a terminal,
// TERM is not "dumb", and NO_COLOR is unset or empty (no-color.org).
func useColor(w io.Writer) bool {
	return os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb" && isTerminal(w)
}

// openReportInput opens a file, stdin or a URL, and says what it opened.
// Stdin is handed over as it is, so that a file redirected to it is mapped
// like a named one (dump.ReadSummary), and is not closed. A URL is named
// with its password redacted; a network failure is the work failing (exit
// 1), not bad input.
func openReportInput(e *env, src string, timeout time.Duration) (in io.Reader, name string, closeIn func() error, err error) {
	switch {
	case src == "" || src == "-":
		return e.stdin, "stdin", func() error { return nil }, nil
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		name := redactURL(src)
		u, err := url.Parse(src)
		if err != nil {
			return nil, "", nil, usagef("report: %s: not a URL: %v", name, errors.Unwrap(err))
		}
		client := &http.Client{Timeout: timeout}
		resp, err := client.Get(u.String()) // src, as it parsed
		if err != nil {
			// net/http's error names the URL with its password redacted.
			return nil, "", nil, fmt.Errorf("report: %v", err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, "", nil, fmt.Errorf("report: %s: %s", name, resp.Status)
		}
		return &urlBody{r: resp.Body}, name, resp.Body.Close, nil
	}
	f, err := os.Open(src)
	if err != nil {
		return nil, "", nil, usagef("report: %v: want a file, - for stdin, or an http(s) URL", err)
	}
	return f, src, f.Close, nil
}

// urlBody is a response body that keeps its first read error: a body cut
// short (io.ErrUnexpectedEOF), a timeout, a reset connection.
type urlBody struct {
	r   io.Reader
	err error
}

func (b *urlBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// redactURL is src with the password of its user information replaced by
// "xxxxx", as url.URL.Redacted does; src need not parse, so that the error
// that says it does not parse does not show the password either.
func redactURL(src string) string {
	if u, err := url.Parse(src); err == nil {
		return u.Redacted()
	}
	scheme, rest, ok := strings.Cut(src, "://")
	if !ok {
		return src
	}
	authority, path, hasPath := strings.Cut(rest, "/")
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return src
	}
	user, _, hasPassword := strings.Cut(authority[:at], ":")
	if !hasPassword {
		return src
	}
	redacted := scheme + "://" + user + ":xxxxx" + authority[at:]
	if hasPath {
		redacted += "/" + path
	}
	return redacted
}

// bodyError is the error of a URL's body that was cut short or timed out:
// the work failed (exit 1), whatever the reader made of what came.
func bodyError(in io.Reader, name string) error {
	if body, ok := in.(*urlBody); ok && body.err != nil {
		return fmt.Errorf("report: %s: reading the response: %v", name, body.err)
	}
	return nil
}

// parseByteSize reads a size in bytes: a number, or a number followed by
// KiB, MiB or GiB.
func parseByteSize(s string) (int64, error) {
	num, unit := s, int64(1)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, unit = n, u.n
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/unit {
		return 0, errors.New("want a positive number of bytes, or of KiB, MiB or GiB (1GiB)")
	}
	return n * unit, nil
}
