package cmd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"gsysint-demo/dump"
	"gsysint-demo/internal/events"
	"gsysint-demo/park"
)

func parkCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "park",
		Usage: "park goroutines with the wait reasons you choose, then dump goroutine profiles",
		Description: "Parks --count goroutines per --reason through runtime.goparkunlock, dumps the goroutine\n" +
			"profile --dumps times, --interval apart, then releases them all and exits. Dumps go to\n" +
			"stdout or --out; everything else goes to stderr. SIGINT, SIGTERM or SIGHUP releases and\n" +
			"exits 0; a closed stdout (park | head) releases, then ends the process by SIGPIPE.\n\n" +
			"A reason is a runtime reason's text or its INDEX as gsysint-demo reasons lists it, or\n" +
			"custom text. Spaces around -r, --trace-reason and --label values are trimmed. Refused:\n" +
			"text that is a slip for a runtime reason (\"Chan Receive\": did you mean ...?), and custom\n" +
			"text a reader of the dump would misread: a state (running), what the runtime appends to a\n" +
			"reason (\"(leaked)\", \", 5 minutes\"), [ ] { }, invisible characters.\n\n" +
			"   gsysint-demo park --reason \"waiting for godot\"\n" +
			"   gsysint-demo park -r \"chan receive\" -r select -n 2 --summary\n" +
			"   gsysint-demo park --debug 0 --dumps 1 > g.pb.gz && go tool pprof -top g.pb.gz\n" +
			"   gsysint-demo park --http 127.0.0.1:6060 --serve-only",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "reason", Aliases: []string{"r"}, Usage: "wait reason: a runtime reason's text (\"chan receive\") or index (19), or custom `TEXT`; repeatable (default: \"" + park.DefaultReason + "\")"},
			&cli.IntFlag{Name: "count", Aliases: []string{"n"}, Value: 3, Usage: "`N` goroutines per reason"},
			&cli.StringFlag{Name: "trace-reason", Usage: "trace block reason: runtime text or index, or custom `TEXT` (default: the runtime's pairing; \"unspecified\" for custom text)"},
			&cli.StringSliceFlag{Name: "label", Usage: "extra pprof label `KEY=VALUE` on the parked goroutines; repeatable"},
			&cli.DurationFlag{Name: "interval", Value: time.Second, Usage: "time `D` between dumps, e.g. 500ms or 2s"},
			&cli.IntFlag{Name: "dumps", Value: 3, Usage: "`K` dumps before releasing and exiting; 0 = until interrupted"},
			&cli.DurationFlag{Name: "duration", Usage: "stop after `D` (e.g. 10s) instead of counting dumps"},
			&cli.IntFlag{Name: "debug", Value: 2, Usage: "profile format `0|1|2`: 2 text with wait reasons, 1 text with labels, 0 gzipped protobuf"},
			&cli.StringFlag{Name: "profile", Value: "goroutine", Usage: "`NAME`: goroutine | goroutineleak | census (the runtime's record of every goroutine, read without stopping the world)"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Value: "-", Usage: "`PATH`: \"-\" for stdout, or a directory for one file per dump (goroutine-0001.txt, goroutine-0001.debug1.txt, goroutine-0001.pb.gz, ...)"},
			&cli.StringFlag{Name: "http", Usage: "serve net/http/pprof at `ADDR` while parked, e.g. 127.0.0.1:0 (port 0 picks a free port)"},
			&cli.BoolFlag{Name: "http-public", Usage: "allow --http on a non-loopback address"},
			&cli.BoolFlag{Name: "serve-only", Usage: "with --http: serve until interrupted (or --duration), writing no dumps"},
			&cli.StringFlag{Name: "trace", Usage: "record an execution trace of the whole run to `FILE` (read it with gsysint-demo trace FILE)"},
			&cli.BoolFlag{Name: "summary", Usage: "after each dump, a table of goroutines by state and reason on stderr"},
			censusJSONFlag, censusEachFlag, censusSystemFlag,
			&cli.StringFlag{Name: "log-format", Value: "text", Usage: "`FORMAT` of what park tells on stderr: text, or json for one JSON object per line (fields: see go doc gsysint-demo/internal/events)"},
		},
		Action: func(c *cli.Context) error {
			// The log format first: in JSON, even bad input is an event.
			format, err := events.ParseFormat(c.String("log-format"))
			if err != nil {
				return usagef("park: --log-format %v", err)
			}
			o, err := parkOptionsFrom(c, e)
			if err == nil {
				o.logFormat = format
				err = runPark(e, o)
			}
			return reportAs(e, format, err)
		},
	}
}

// parkOptions is the park command's validated flags.
type parkOptions struct {
	groups    []park.Group
	interval  time.Duration
	dumps     int // 0: until --duration or a signal
	duration  time.Duration
	debug     dump.Debug
	profile   dump.Profile
	outDir    string // "" for stdout
	http      string
	serveOnly bool
	summary   bool
	trace     string // execution trace file, "" for none
	logFormat events.Format
	census    censusOptions
}

// reportAs reports err, the error that ends a park run, as an event in the
// JSON form, and returns it as an exitStatus that run does not report
// again; in the text form, run reports it as every command does.
func reportAs(e *env, format events.Format, err error) error {
	if err == nil || format != events.JSON || errors.Is(err, errReaderGone) {
		return err
	}
	var status exitStatus
	if errors.As(err, &status) {
		return err
	}
	code := exitStatusOf(err)
	events.NewWriter(e.stderr, format).Emit(events.Error{Error: err.Error(), ExitStatus: code})
	return exitStatus(code)
}

// parkedEvent is what park tells of a group it parked.
func parkedEvent(pk park.Parked) events.Parked {
	reason := func(r park.Reason) events.Reason {
		return events.Reason{Text: r.Text, Index: r.Index, Custom: r.Custom}
	}
	return events.Parked{Count: pk.Count, Reason: reason(pk.Wait), TraceReason: reason(pk.Trace), Labels: pk.Labels}
}

func parkOptionsFrom(c *cli.Context, e *env) (*parkOptions, error) {
	if c.Args().Present() {
		return nil, usagef("park: unexpected argument %q: flags only (did you mean --reason %q?)", c.Args().First(), c.Args().First())
	}
	o := &parkOptions{
		interval:  c.Duration("interval"),
		dumps:     c.Int("dumps"),
		duration:  c.Duration("duration"),
		debug:     dump.Debug(c.Int("debug")),
		http:      c.String("http"),
		serveOnly: c.Bool("serve-only"),
		summary:   c.Bool("summary"),
		trace:     c.String("trace"),
	}
	count := c.Int("count")
	if count < 1 {
		return nil, usagef("park: --count %d: want a whole number of goroutines, at least 1", count)
	}
	labels := map[string]string{}
	for _, kv := range c.StringSlice("label") {
		kv = strings.TrimSpace(kv)
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usagef("park: --label %q: want KEY=VALUE", kv)
		}
		labels[k] = v
	}
	reasons := c.StringSlice("reason")
	if len(reasons) == 0 {
		reasons = []string{park.DefaultReason}
	}
	cat, err := park.Reasons()
	if err != nil {
		return nil, err
	}
	traceReason, err := traceReasonText(cat, strings.TrimSpace(c.String("trace-reason")), c.IsSet("trace-reason"))
	if err != nil {
		return nil, err
	}
	for _, r := range reasons {
		text, err := waitReasonText(cat, strings.TrimSpace(r))
		if err != nil {
			return nil, err
		}
		o.groups = append(o.groups, park.Group{Reason: text, TraceReason: traceReason, Count: count, Labels: labels})
	}
	if o.interval <= 0 {
		return nil, usagef("park: --interval %v: want a positive duration such as 500ms or 2s", o.interval)
	}
	if o.dumps < 0 {
		return nil, usagef("park: --dumps %d: want 0 (until interrupted) or more", o.dumps)
	}
	if c.IsSet("duration") {
		if c.IsSet("dumps") {
			return nil, usagef("park: --dumps %d and --duration %v: give one of them", o.dumps, o.duration)
		}
		if o.duration <= 0 {
			return nil, usagef("park: --duration %v: want a positive duration such as 10s", o.duration)
		}
		o.dumps = 0
	}
	if err := o.debug.Check(); err != nil {
		return nil, badValue("park", "debug", o.debug, err)
	}
	if o.profile, err = parseProfile(c.String("profile")); err != nil {
		return nil, badValue("park", "profile", c.String("profile"), err)
	}
	if err := censusOptionsFrom(c, o); err != nil {
		return nil, err
	}
	if o.serveOnly {
		if o.http == "" {
			return nil, usagef("park: --serve-only: serves --http, which is not given: add --http 127.0.0.1:0, say")
		}
		for _, f := range []string{"dumps", "out", "summary", "interval", "debug", "profile"} {
			if c.IsSet(f) {
				return nil, usagef("park: --serve-only and --%s: --serve-only writes no dumps, give one of them", f)
			}
		}
		o.dumps = 0
	}
	if err := o.checkOut(c, e); err != nil {
		return nil, err
	}
	if o.trace != "" {
		if err := checkOutputFile(o.trace); err != nil {
			return nil, usagef("park: --trace %q: %v", o.trace, err)
		}
	}
	if o.http != "" {
		if err := checkHTTPAddr(o.http, c.Bool("http-public")); err != nil {
			return nil, usagef("park: --http %q: %v", o.http, err)
		}
	}
	return o, nil
}

// checkOut checks --out: a directory that takes new files and holds none
// this run would write, or stdout, which takes gzip only when it is not a
// terminal (as curl does) or when -o - insists.
func (o *parkOptions) checkOut(c *cli.Context, e *env) error {
	out := c.String("out")
	if out == "-" {
		if o.serveOnly {
			return nil
		}
		if o.debug == 0 && o.dumps != 1 {
			return usagef("park: --debug 0 to stdout needs --dumps 1 (profiles one after another are not a profile): use --out DIR for more")
		}
		if o.debug == 0 && !c.IsSet("out") && isTerminal(e.stdout) {
			return usagef("park: --debug 0 writes gzip bytes and stdout is a terminal: redirect it (> g.pb.gz), pipe it (| gsysint-demo pprof -top), or give -o - to write them anyway")
		}
		return nil
	}
	if err := checkWritableDir(out); err != nil {
		return usagef("park: --out %q: %v (or - for stdout)", out, err)
	}
	if earlier, err := earlierDumps(out, o.profile, o.debug); err != nil {
		return usagef("park: --out %q: %v", out, err)
	} else if earlier != "" {
		return usagef("park: --out %q already holds %s from an earlier run: dumps never replace files; give an empty or new directory, or move that run's files away", out, earlier)
	}
	o.outDir = out
	return nil
}

// dumpName is the file name of dump n in an --out directory: debug=2 text
// is .txt, debug=1 text .debug1.txt, the protobuf .pb.gz.
func dumpName(profile dump.Profile, debug dump.Debug, n int) string {
	return fmt.Sprintf("%s-%04d%s", profile, n, debug.Ext())
}

// badValue is the usage error for a flag value an engine package refused:
// its *dump.ValueError names the value and what is accepted, and the flag
// takes the place of what the package calls it.
func badValue(command, flag string, value any, err error) error {
	var ve *dump.ValueError
	if errors.As(err, &ve) {
		return usagef("%s: --%s %s", command, flag, ve.Reason())
	}
	return usagef("%s: --%s %v: %v", command, flag, value, err)
}

// earlierDumps returns the name of a file in dir that a run with this
// profile and debug level would write (the first in directory order), or "".
func earlierDumps(dir string, profile dump.Profile, debug dump.Debug) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(string(profile)) + `-[0-9]{4,}` + regexp.QuoteMeta(debug.Ext()) + `$`)
	for _, ent := range entries {
		if re.MatchString(ent.Name()) {
			return ent.Name(), nil
		}
	}
	return "", nil
}

// checkWritableDir says why dir cannot take dump files, if it cannot.
func checkWritableDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return errors.New("want an existing directory")
	}
	if !st.IsDir() {
		return errors.New("not a directory: want an existing directory")
	}
	f, err := os.CreateTemp(dir, ".gsysint-demo-probe-*")
	if err != nil {
		return fmt.Errorf("not writable: %v", err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// checkOutputFile says why path cannot take a file park writes, if it
// cannot: it must not be a directory, and its directory must exist and be
// writable.
func checkOutputFile(path string) error {
	if strings.HasSuffix(path, string(filepath.Separator)) {
		return errors.New("names a directory: want a file name")
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return errors.New("is a directory: want a file name, e.g. " + filepath.Join(path, "park.trace"))
	} else if err == nil && !st.Mode().IsRegular() {
		return errors.New("exists and is not a regular file: want a new or regular file")
	}
	if err := checkWritableDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("its directory %s: %v", filepath.Dir(path), err)
	}
	return nil
}

func checkHTTPAddr(addr string, public bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want HOST:PORT, e.g. 127.0.0.1:6060 or localhost:0")
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("bad port %q: want a number, 0 for any free port", port)
	}
	if public {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return errors.New("not a loopback address: serving goroutine dumps beyond this machine needs --http-public")
}

// classNote warns of what a reason does beyond showing.
func classNote(pk park.Parked) string {
	w := pk.Wait
	if w.Custom {
		return ""
	}
	switch w.Class {
	case park.LeakCandidate:
		return fmt.Sprintf("%q is a leak candidate: the goroutineleak profile marks such goroutines leaked; release restores them to waiting first", w.Text)
	case park.MetricSideEffect:
		return fmt.Sprintf("%q has a metric side effect: %s", w.Text, w.Note)
	case park.Runtime:
		return fmt.Sprintf("%q is a reason the runtime uses itself (%s): parking with it is harmless", w.Text, w.Note)
	}
	return ""
}

// formatBytes is a size as park's lines show them.
func formatBytes(n int64) string { return events.FormatBytes(n) }
