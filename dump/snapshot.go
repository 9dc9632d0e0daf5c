package dump

// Formats reported in Snapshot.Format.
const (
	FormatDebug2 = "debug2" // runtime.Stack, debug=2, crash output
	FormatDebug1 = "debug1" // "goroutine profile: total N"
	FormatProto  = "proto"  // pprof protobuf, gzipped or not
	// FormatCensus (parse_census.go) is the JSON of a census.
)

// Snapshot is one goroutine dump as read by [Parse].
type Snapshot struct {
	// Format is FormatDebug2, FormatDebug1, FormatProto or FormatCensus.
	Format string `json:"format"`
	// Profile is "goroutine" or "goroutineleak" for debug=1 and protobuf
	// input (from the title or the sample type); empty for debug=2.
	Profile string `json:"profile,omitempty"`
	// Total is the number of goroutines: the blocks read for debug=2 (as
	// many as Goroutines holds, unless they were summarised as they were
	// read), the title's total for debug=1, the sum of the sample counts
	// for protobuf.
	Total int `json:"total"`
	// Preamble holds the lines before the first goroutine of debug=2
	// input, such as "panic: boom" or "fatal error: concurrent map writes",
	// without the trailing blank lines.
	Preamble string `json:"preamble,omitempty"`
	// Context holds the lines after the first goroutine that are no part
	// of the dump ("exit status 2", log lines, "FAIL"), without a prefix
	// the reader learned (see Reading), up to maxContext of them;
	// Reading.ContextLines counts them all, with the preamble's.
	Context []string `json:"context,omitempty"`
	// Reading says what was undone, skipped, damaged or guessed to read
	// the input; its zero value (but Dumps) means a clean dump.
	Reading Reading `json:"reading"`
	// Goroutines holds one entry per goroutine for debug=2, one per record
	// (debug=1) or distinct sample (protobuf: the samples of one stack and
	// label set, added up) with its Count otherwise.
	Goroutines []*Goroutine `json:"goroutines"`

	// contextAtEnd: debug=2 context came after the last goroutine read,
	// so that a header after it starts another dump (see Reading.Dumps).
	contextAtEnd bool
}

// Reading records how a dump was read: the shapes that logs, terminals and
// pastes give a dump and the reader undid, and what it skipped, found
// damaged or guessed. Nothing of the input is dropped without a count here.
type Reading struct {
	// Gzip is set for gzipped text (a gzipped protobuf is the usual form
	// and not recorded).
	Gzip bool `json:"gzip,omitempty"`
	// BOM is set when the input started with a UTF-8 byte order mark.
	BOM bool `json:"bom,omitempty"`
	// ColorLines counts the lines that ANSI escape sequences (colour) were
	// removed from.
	ColorLines int `json:"color_lines,omitempty"`
	// Prefix is what stood before the first goroutine header (or debug=1
	// title) on its line, when the lines around carry the same shape of
	// prefix: a log prefix ("Aug 12 11:20:29 host svc[2231]: ", a
	// timestamp) or an indentation ("    ", "> "). PrefixedLines counts the
	// lines it was removed from: the same shape, with any digits and
	// letters in place of the first line's.
	Prefix        string `json:"prefix,omitempty"`
	PrefixedLines int    `json:"prefixed_lines,omitempty"`
	// Glued counts the goroutine headers found at the end of another line
	// ("... dumping all stacksgoroutine 1 [running]:"); the text before
	// each is kept as context.
	Glued int `json:"glued,omitempty"`
	// Damaged counts the goroutine blocks whose header could not be read
	// (cut or garbled); they are counted, with state DamagedState, and
	// their frames read. For debug=1: the records and frame lines that
	// could not be read, and profiles whose records do not add up to
	// their title's total.
	Damaged int `json:"damaged,omitempty"`
	// Cut says how the input ends short, when it does ("the last goroutine
	// ends in a function line without its file:line"); what was read
	// before is summarised.
	Cut string `json:"cut,omitempty"`
	// Dumps counts the dumps read: one, or the debug=1 profiles appended
	// to one input, or the debug=2 dumps with context between them (a
	// crash line, a log, a prompt); their goroutines are added up.
	Dumps int `json:"dumps"`
	// ContextLines counts the non-blank lines that are no part of a dump:
	// the crash line, log lines, prose around a pasted dump.
	ContextLines int `json:"context_lines,omitempty"`
	// RaceReports counts "WARNING: DATA RACE" reports in the context.
	RaceReports int `json:"race_reports,omitempty"`
}

// DamagedState is the state of a goroutine whose header could not be read.
const DamagedState = "(damaged header)"

// Goroutine is one goroutine of a debug=2 dump, or one record of identical
// stacks (and labels) of a debug=1 or protobuf profile.
type Goroutine struct {
	// ID is the goroutine id (debug=2 only).
	ID int64 `json:"id,omitempty"`
	// Count is 1 for debug=2, the number of goroutines sharing the record
	// for debug=1 and protobuf.
	Count int `json:"count"`
	// State is the wait reason or status as printed, without the suffixes
	// parsed into the fields below: "chan receive", "running",
	// "GC worker (idle)", "sync.WaitGroup.Wait (durable)". Empty for
	// debug=1 and protobuf, which do not record it.
	State string `json:"state,omitempty"`
	// Minutes is the approximate time blocked (", 2 minutes"); the runtime
	// prints it only from one minute on.
	Minutes int `json:"minutes,omitempty"`
	// Leaked is set for " (leaked)" in debug=2, and for every record of
	// the goroutineleak profile.
	Leaked bool `json:"leaked,omitempty"`
	// Durable is set when State ends in " (durable)" (inside a synctest
	// bubble).
	Durable bool `json:"durable,omitempty"`
	// Scan is set for " (scan)": the garbage collector was scanning the
	// stack.
	Scan bool `json:"scan,omitempty"`
	// LockedToThread is set for ", locked to thread".
	LockedToThread bool `json:"locked_to_thread,omitempty"`
	// Bubble is the synctest bubble id (", synctest bubble 3").
	Bubble int64 `json:"bubble,omitempty"`
	// System holds the " gp=0x.. m=N mp=0x.." fields printed with
	// GOTRACEBACK=system or for the goroutine that threw.
	System *SystemInfo `json:"system,omitempty"`
	// Labels are the pprof labels: from GODEBUG=tracebacklabels=1 headers
	// in debug=2, "# labels:" in debug=1, Sample.Label in protobuf.
	Labels map[string]string `json:"labels,omitempty"`
	// Frames is the stack, innermost call first.
	Frames []Frame `json:"frames"`
	// ElidedFrames is N of "...N frames elided..." (deep stacks: the
	// runtime prints the innermost and outermost frames only).
	ElidedFrames int `json:"elided_frames,omitempty"`
	// Note holds a line the runtime prints instead of a stack, such as
	// "goroutine running on other thread; stack unavailable".
	Note string `json:"note,omitempty"`
	// CreatedBy is the function that started the goroutine
	// ("created by main.main in goroutine 1"), with its call site.
	CreatedBy string `json:"created_by,omitempty"`
	// CreatedByGoroutine is the id of the creating goroutine, when printed.
	CreatedByGoroutine int64  `json:"created_by_goroutine,omitempty"`
	CreatedByFile      string `json:"created_by_file,omitempty"`
	CreatedByLine      int    `json:"created_by_line,omitempty"`
	// Ancestors are the "[originating from goroutine N]:" blocks printed
	// with GODEBUG=tracebackancestors=N, nearest first.
	Ancestors []Ancestor `json:"ancestors,omitempty"`

	// dump is the number of the dump, counted from 1, that the goroutine
	// was read in, as Reading.Dumps counts them (see ReadDumps).
	dump int
}

// Frame is one call in a stack.
type Frame struct {
	Func string `json:"func"`
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

// SystemInfo holds the fields of "goroutine 7 gp=0xc000003340 m=3
// mp=0xc000100008 [running]:".
type SystemInfo struct {
	GP uint64 `json:"gp"`
	// M is the thread id, or -1 for "m=nil".
	M  int64  `json:"m"`
	MP uint64 `json:"mp,omitempty"`
}

// Ancestor is one "[originating from goroutine N]:" block.
type Ancestor struct {
	ID     int64   `json:"id"`
	Frames []Frame `json:"frames"`
	// Elided is set for "...additional frames elided...".
	Elided        bool   `json:"elided,omitempty"`
	CreatedBy     string `json:"created_by,omitempty"`
	CreatedByFile string `json:"created_by_file,omitempty"`
	CreatedByLine int    `json:"created_by_line,omitempty"`
}

// add adds to rd what o counted in the input that follows rd's (a later
// part of one dump).
func (rd *Reading) add(o Reading) {
	rd.ColorLines += o.ColorLines
	rd.PrefixedLines += o.PrefixedLines
	rd.Glued += o.Glued
	rd.Damaged += o.Damaged
	rd.ContextLines += o.ContextLines
	rd.RaceReports += o.RaceReports
	rd.Dumps += o.Dumps
	if o.Cut != "" {
		rd.Cut = o.Cut
	}
}
