// Package dump captures goroutine dumps and reads them back.
//
// Capture: [WriteGoroutineText] writes the debug=2 text of all goroutines
// from one runtime.Stack call, with a buffer sized from the goroutine count
// and kept between calls; [Write] writes the goroutine or goroutineleak
// profile at debug 0, 1 or 2.
//
// Read: [Parse] detects the format (the runtime's three, and the JSON of a
// census, [FormatCensus]) and returns a [Snapshot];
// [Summarize] counts its goroutines by state, by stack and by label.
// [ReadSummary] does both without keeping the goroutines: every format is
// summarised as it is read, in memory that grows with the number of
// distinct stacks rather than with the dump. Gzipped input may decompress
// to at most [DefaultMaxDecompressed] bytes unless
// Options.MaxDecompressed says otherwise.
//
// # Reference and fast paths
//
// One plain parser (parse*.go, clean.go) and summariser (summary.go) are
// the reference: they read a stream one line (or protobuf message) at a
// time. Each optimisation lives in a file named for it, and tests
// (reference_test.go) and fuzz targets check that it reads what the
// reference reads:
//
//   - intern.go: interned names and paths, last-value caches and a frame
//     arena in the text parsers;
//   - summary_cache.go: the summariser's last row and group, tried first;
//   - readsummary_mapped.go (mapfile_*.go): a regular file mapped rather
//     than read, with a file cut short meanwhile reported, not crashed on;
//   - readsummary_parts.go: debug=2 text in memory summarised in parts in
//     parallel, and the parts merged;
//   - textbuf.go (textbuf_*.go): the buffer [WriteGoroutineText] keeps for
//     the next dump, which [ReleaseTextBuffer] gives back;
//   - countheaders.go: a large dump's goroutine headers counted in
//     parallel.
//
// [ReadDumps] (series.go) takes the same paths: it splits the reference's
// stream of goroutines into dumps, and maps a regular file as ReadSummary
// does, summarising a file of one dump in parts (series_test.go checks it
// against the reference split the same way).
//
// # Formats
//
// debug=2 text: runtime.Stack(buf, true), pprof.Lookup("goroutine").WriteTo(w, 2),
// and the goroutines printed by a crash. One block per goroutine, separated
// by blank lines; crash output starts with a preamble such as
// "panic: boom" or "fatal error: all goroutines are asleep - deadlock!":
//
//	goroutine 18 [chan receive, 2 minutes]:
//	main.worker(0xc000012345, {0x4a1d40?, 0x3})
//		/src/app/main.go:12 +0x1d
//	main.pool(...)
//		/src/app/main.go:30
//	...12 frames elided...
//	created by main.main in goroutine 1
//		/src/app/main.go:40 +0x85
//	[originating from goroutine 1]:           (GODEBUG=tracebackancestors=N)
//
// The header carries the only record of the state: a wait reason (any
// text, including commas and parentheses: "GC worker (idle)"), then
// " (leaked)" (after a goroutineleak profile), " (scan)", " (durable)"
// (synctest), ", N minutes" (from one minute on, after two GCs),
// ", locked to thread", ", synctest bubble N". GOTRACEBACK=system crashes
// (and the goroutine that threw) add " gp=0x... m=N mp=0x..." after the id.
// With GODEBUG=tracebacklabels=1 the pprof labels follow, in a form that
// changed between releases:
//
//	goroutine 20 [chan receive labels:{"job": "w7"}]:     Go 1.26: inside the brackets, always quoted
//	goroutine 20 [chan receive] {job: w7, path: "a b"}:   Go 1.27: after them, quoted only if needed
//
// debug=1 text: pprof.Lookup("goroutine").WriteTo(w, 1). Goroutines with the
// same stack and labels are counted together; there is no state:
//
//	goroutine profile: total 12
//	3 @ 0x43e0ae 0x40734c 0x4a0a45 0x4759e1
//	# labels: {"job":"w7"}
//	#	0x4a0a44	main.worker+0x24	/src/app/main.go:12
//
// protobuf: pprof.Lookup("goroutine").WriteTo(w, 0), gzipped (or not),
// decoded as a stream (parse_proto.go): one sample per stack and label
// set, value = count; samples of the same stack and labels are added up.
// No state either, but in a census profile (gsysint-demo park --profile
// census --debug 0, package census), whose label go::goroutine_state is
// the state (" (leaked)" sets Leaked) and whose numeric labels
// go::goroutine, go::goroutine_created_by and go::goroutine_wait_minutes
// are the id, creator and minutes (numeric labels are part of what makes
// a sample distinct, so a per-goroutine census keeps its ids).
//
// The goroutineleak profile (Go 1.27; Go 1.26 with
// GOEXPERIMENT=goroutineleakprofile) has the same three forms; at debug=2
// it lists every goroutine, the leaked ones with " (leaked)"; at debug 0
// and 1 only the leaked ones, which Parse marks Leaked.
//
// # Snapshot JSON
//
// A [Snapshot] marshals as (fields with zero values are omitted where
// marked "omitempty" on the Go types):
//
//	{
//	  "format": "debug2" | "debug1" | "proto",
//	  "profile": "goroutine" | "goroutineleak",        (debug1, proto)
//	  "total": 28,
//	  "preamble": "panic: boom 42",                    (crash output)
//	  "context": ["exit status 2"],                    (lines after, no part of the dump)
//	  "reading": {"dumps": 1, ...},                    (see Reading)
//	  "goroutines": [{
//	    "id": 18, "count": 1, "state": "chan receive", "minutes": 2,
//	    "leaked": true, "durable": true, "scan": true, "locked_to_thread": true,
//	    "bubble": 3, "system": {"gp": 824633729920, "m": 0, "mp": 6045504},
//	    "labels": {"job": "w7"},
//	    "frames": [{"func": "main.worker", "file": "/src/app/main.go", "line": 12}],
//	    "elided_frames": 12, "note": "goroutine running on other thread; stack unavailable",
//	    "created_by": "main.main", "created_by_goroutine": 1,
//	    "created_by_file": "/src/app/main.go", "created_by_line": 40,
//	    "ancestors": [{"id": 1, "frames": [...], "elided": true,
//	                   "created_by": "...", "created_by_file": "...", "created_by_line": 0}]
//	  }]
//	}
//
// # Text as users hold it
//
// The text reader finds a dump wherever it starts, and reads it as logs,
// terminals and pastes leave it, recording in [Reading] what it undid,
// skipped, found damaged or guessed:
//
//   - a prefix on every line (journalctl's "Mar 14 09:12:07 host
//     svc[2231]: ", CI and kubectl timestamps) or an indentation (a Markdown
//     code block, "> " in a mail): learned from the first header that has
//     one, and removed, in its shape (digits and letters may change), from
//     the lines around;
//   - a first header glued to the output before it ("...dumping all
//     stacksgoroutine 1 [running]:"), a UTF-8 byte order mark, ANSI colour,
//     gzipped text, CRLF, trailing blanks, file lines indented by spaces;
//   - a header that cannot be read: its block is counted, with state
//     DamagedState; a dump cut short at the end: what was read, and Cut;
//   - a debug=1 profile after a prompt or blank lines, and several appended
//     to one input (added up, Dumps);
//   - gccgo frames ("main.main" without arguments).
//
// Lines that are no part of a dump are context: the preamble (whose crash
// line is the Summary's headline), and Snapshot.Context after it. A race
// detector report without a dump is refused as what it is.
//
// # Summary JSON
//
// A [Summary] marshals with every list present (empty, not null) and in a
// fixed order:
//
//	{
//	  "format": "debug2", "profile": "", "headline": "fatal error: ...",
//	  "total": 28,            goroutines in the snapshot
//	  "matched": 28,          goroutines kept by Options.Match
//	  "reading": {            how the input was read (see Reading)
//	    "prefix": "Mar 14 09:12:07 host svc[2231]: ", "prefixed_lines": 212,
//	    "glued": 1, "damaged": 0, "cut": "", "dumps": 1, "context_lines": 3, ...},
//	  "context": {"before": ["panic: boom"], "after": ["exit status 2"]},
//	  "states": [             by count, then name; for debug1 and proto from
//	                          the "reason" label, with "from_label": true
//	    {"state": "chan receive", "count": 10, "leaked": 2, "min_minutes": 0, "max_minutes": 3}],
//	  "group_count": 19,      distinct (state, stack) pairs
//	  "groups": [             the Options.Top largest, by count, then state and frames
//	    {"count": 3, "leaked": 0, "state": "chan receive",
//	     "funcs": ["main.worker", "main.pool"],
//	     "frames": [{"func": "main.worker", "file": "/src/app/main.go", "line": 12}, ...],
//	     "states": [{"name": "chan receive", "count": 3}],
//	     "created_by": ["main.main"], "ids": [19, 20, 21],
//	     "labels": [{"key": "job", "value": "w7", "count": 2}]}],
//	  "labels": [             by key, then count, then value
//	    {"key": "job", "value": "w7", "count": 2}]
//	}
//
// # The library
//
// gsysint-demo's public library is park, census, dump, tracing, series and
// web. park and census reach the runtime, through package linked (which
// their users need not import): a program that imports either is built and
// tested with -ldflags=-checklinkname=0. dump, tracing and series read and
// write dumps and traces with no runtime bindings, and build anywhere; web
// makes pages from their data.
package dump
