package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"gsysint-demo/census"
	"gsysint-demo/dump"
	"gsysint-demo/internal/procstat"
	"gsysint-demo/linked"
	"gsysint-demo/park"
	"gsysint-demo/tracing"
)

func parkCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "park",
		Usage: "park goroutines with the wait reasons you choose, then dump goroutine profiles",
		Description: "Parks --count goroutines per --reason through runtime.goparkunlock, dumps the goroutine\n" +
			"profile --dumps times, --interval apart, then releases them all and exits. Dumps go to\n" +
			"stdout or --out; everything else goes to stderr. SIGINT or SIGTERM releases and exits 0.\n\n" +
			"   gsysint-demo park --reason \"waiting for godot\"\n" +
			"   gsysint-demo park -r \"chan receive\" -r select -n 2 --summary\n" +
			"   gsysint-demo park --debug 0 --dumps 1 > g.pb.gz && go tool pprof -top g.pb.gz",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "reason", Aliases: []string{"r"}, Usage: "wait reason: a runtime reason's text (\"chan receive\") or custom text; repeatable (default: \"" + park.DefaultReason + "\")"},
			&cli.IntFlag{Name: "count", Aliases: []string{"n"}, Value: 3, Usage: "goroutines per reason"},
			&cli.StringFlag{Name: "trace-reason", Usage: "trace block reason: runtime text or custom (default: the runtime's pairing; \"unspecified\" for custom text)"},
			&cli.StringSliceFlag{Name: "label", Usage: "extra pprof label KEY=VALUE on the parked goroutines; repeatable"},
			&cli.DurationFlag{Name: "interval", Value: time.Second, Usage: "time between dumps"},
			&cli.IntFlag{Name: "dumps", Value: 3, Usage: "dumps before releasing and exiting; 0 = until interrupted"},
			&cli.DurationFlag{Name: "duration", Usage: "stop after this long instead of counting dumps"},
			&cli.IntFlag{Name: "debug", Value: 2, Usage: "profile format: 2 text with wait reasons, 1 text with labels, 0 gzipped protobuf"},
			&cli.StringFlag{Name: "profile", Value: "goroutine", Usage: "goroutine | goroutineleak | census (the runtime's record of every goroutine, read without stopping the world)"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Value: "-", Usage: "\"-\" for stdout, or a directory for one file per dump (goroutine-0001.txt, goroutine-0002.pb.gz, ...)"},
			&cli.StringFlag{Name: "http", Usage: "serve net/http/pprof at this address while parked, e.g. 127.0.0.1:0 (port 0 picks a free port)"},
			&cli.BoolFlag{Name: "http-public", Usage: "allow --http on a non-loopback address"},
			&cli.StringFlag{Name: "trace", Usage: "record an execution trace of the whole run to this file (read it with gsysint-demo trace FILE)"},
			&cli.BoolFlag{Name: "summary", Usage: "after each dump, a table of goroutines by state and reason on stderr"},
			censusJSONFlag, censusEachFlag,
		},
		Action: func(c *cli.Context) error {
			o, err := parkOptionsFrom(c)
			if err != nil {
				return err
			}
			return runPark(e, o)
		},
	}
}

// parkOptions is the park command's validated flags.
type parkOptions struct {
	groups   []park.Group
	interval time.Duration
	dumps    int // 0: until --duration or a signal
	duration time.Duration
	debug    int
	profile  string
	outDir   string // "" for stdout
	http     string
	summary  bool
	trace    string // execution trace file, "" for none
	census   censusOptions
}

func parkOptionsFrom(c *cli.Context) (*parkOptions, error) {
	if c.Args().Present() {
		return nil, usagef("park: unexpected argument %q: flags only (did you mean --reason %q?)", c.Args().First(), c.Args().First())
	}
	o := &parkOptions{
		interval: c.Duration("interval"),
		dumps:    c.Int("dumps"),
		duration: c.Duration("duration"),
		debug:    c.Int("debug"),
		profile:  c.String("profile"),
		http:     c.String("http"),
		summary:  c.Bool("summary"),
		trace:    c.String("trace"),
	}
	count := c.Int("count")
	if count < 1 {
		return nil, usagef("park: --count %d: want a whole number of goroutines, at least 1", count)
	}
	labels := map[string]string{}
	for _, kv := range c.StringSlice("label") {
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
	for _, r := range reasons {
		if r == "" {
			return nil, usagef("park: --reason \"\": want a runtime reason's text (see gsysint-demo reasons) or custom text")
		}
		o.groups = append(o.groups, park.Group{Reason: r, TraceReason: c.String("trace-reason"), Count: count, Labels: labels})
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
	if o.debug < 0 || o.debug > 2 {
		return nil, usagef("park: --debug %d: want 0, 1 or 2", o.debug)
	}
	switch o.profile {
	case "goroutine", "census":
	case "goroutineleak":
		if pprof.Lookup("goroutineleak") == nil {
			return nil, usagef("park: --profile goroutineleak: %v", dump.ErrNoLeakProfile)
		}
	default:
		return nil, usagef("park: --profile %q: want goroutine, goroutineleak or census", o.profile)
	}
	if err := censusOptionsFrom(c, o); err != nil {
		return nil, err
	}
	if out := c.String("out"); out != "-" {
		if err := checkWritableDir(out); err != nil {
			return nil, usagef("park: --out %q: %v (or - for stdout)", out, err)
		}
		o.outDir = out
	} else if o.debug == 0 && o.dumps != 1 {
		return nil, usagef("park: --debug 0 to stdout needs --dumps 1 (profiles one after another are not a profile): use --out DIR for more")
	}
	if o.trace != "" {
		if err := checkWritableDir(filepath.Dir(o.trace)); err != nil {
			return nil, usagef("park: --trace %q: its directory: %v", o.trace, err)
		}
	}
	if o.http != "" {
		if err := checkHTTPAddr(o.http, c.Bool("http-public")); err != nil {
			return nil, usagef("park: --http %q: %v", o.http, err)
		}
	}
	return o, nil
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

func runPark(e *env, o *parkOptions) (err error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	progress := newProgress(e.stderr)
	// The trace starts once the custom texts are in the runtime's tables
	// and before any goroutine parks, so it records them from its first
	// event.
	var rec *tracing.Recording
	startTrace := func() error {
		if o.trace == "" {
			return nil
		}
		var err error
		rec, err = tracing.Start(o.trace)
		return err
	}
	p, err := park.New(park.WithProgress(progress.update), park.WithBeforeStart(startTrace))
	if err != nil {
		return err
	}
	o.census.parker = p
	// Resolve first, so that a refused reason is bad input and nothing starts.
	if _, err := p.Resolve(o.groups...); err != nil {
		return usagef("park: %v", err)
	}
	if err := checkMemory(o.groups); err != nil {
		return usagef("park: %v", err)
	}

	var srv *pprofServer
	if o.http != "" {
		if srv, err = startPprofServer(o.http, census.WithParkTimes(p)); err != nil {
			return usagef("park: --http %q: %v", o.http, err)
		}
		defer srv.shutdown()
	}

	// Whatever happens from here on, every parked goroutine is released,
	// and the trace, if any, records the release before it stops.
	defer func() {
		if srv != nil {
			srv.shutdown()
		}
		start := time.Now()
		r := p.Release()
		fmt.Fprintf(e.stderr, "released %d goroutines in %v", r.Released, time.Since(start).Round(time.Microsecond))
		if r.LeakedRecovered > 0 {
			fmt.Fprintf(e.stderr, " (%d of them marked leaked by the goroutineleak profile, restored to waiting first)", r.LeakedRecovered)
		}
		fmt.Fprintln(e.stderr)
		if r.NotWaiting > 0 && err == nil {
			err = fmt.Errorf("%d goroutines were neither waiting nor leaked and were left alone", r.NotWaiting)
		}
		if rec != nil {
			if terr := rec.Stop(); terr != nil && err == nil {
				err = terr
			} else if terr == nil {
				fmt.Fprintf(e.stderr, "trace written to %s: read it with gsysint-demo trace %s, or go tool trace %s\n", o.trace, o.trace, o.trace)
			}
		}
	}()

	rssBefore, _ := procstat.Resident(0)
	start := time.Now()
	parked, err := p.Park(ctx, o.groups...)
	took := time.Since(start)
	progress.done()
	total := 0
	for _, pk := range parked {
		total += pk.Count
		fmt.Fprintf(e.stderr, "parked %v\n", pk)
		if note := classNote(pk); note != "" {
			fmt.Fprintf(e.stderr, "  note: %s\n", note)
		}
	}
	if total > 0 {
		rssAfter, _ := procstat.Resident(0)
		grew := rssAfter - rssBefore
		fmt.Fprintf(e.stderr, "parking took %v; resident memory grew %s", took.Round(time.Microsecond), formatBytes(grew))
		if total >= 10000 { // fewer are lost in the noise of the heap's growth
			fmt.Fprintf(e.stderr, ", %.2f KB a goroutine", float64(grew)/float64(total)/1000)
		}
		fmt.Fprintln(e.stderr)
	}
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(e.stderr, "interrupted while parking")
			return nil
		}
		return err
	}
	if srv != nil {
		fmt.Fprintf(e.stderr, "serving pprof on http://%s/debug/pprof/\n", srv.addr)
	}

	var deadline <-chan time.Time
	if o.duration > 0 {
		deadline = time.After(o.duration)
	}
	tick := time.NewTicker(o.interval)
	defer tick.Stop()
	for n := 1; o.dumps == 0 || n <= o.dumps; n++ {
		// A signal that arrives during a dump lets the dump finish whole.
		if err := writeDump(e, o, n); err != nil {
			return err
		}
		if o.dumps != 0 && n == o.dumps {
			break
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(e.stderr, "interrupted")
			return nil
		case <-deadline:
			return nil
		case <-tick.C:
		}
	}
	return nil
}

// classNote warns of what a reason does beyond showing.
func classNote(pk park.Parked) string {
	w := pk.Wait
	if w.Custom {
		return ""
	}
	switch w.Class {
	case linked.LeakCandidate:
		return fmt.Sprintf("%q is a leak candidate: the goroutineleak profile marks such goroutines leaked; release restores them to waiting first", w.Text)
	case linked.MetricSideEffect:
		return fmt.Sprintf("%q has a metric side effect: %s", w.Text, w.Note)
	case linked.Runtime:
		return fmt.Sprintf("%q is a reason the runtime uses itself (%s): parking with it is harmless", w.Text, w.Note)
	}
	return ""
}

// writeDump writes dump n to stdout or to its file, reports it on stderr,
// and summarises it if asked.
func writeDump(e *env, o *parkOptions, n int) error {
	if o.profile == "census" {
		return writeCensusDump(e, o, n)
	}
	var keep bytes.Buffer
	w := e.stdout
	var file *atomicFile
	if o.outDir != "" {
		ext := ".txt"
		if o.debug == 0 {
			ext = ".pb.gz"
		}
		var err error
		if file, err = createAtomic(filepath.Join(o.outDir, fmt.Sprintf("%s-%04d%s", o.profile, n, ext))); err != nil {
			return err
		}
		defer file.discard()
		w = file
	}
	if o.summary {
		w = io.MultiWriter(w, &keep)
	}
	st, err := dump.Write(w, o.profile, o.debug)
	if err != nil {
		return fmt.Errorf("dump %d: %w", n, err)
	}
	where := ""
	if file != nil {
		if err := file.commit(); err != nil {
			return fmt.Errorf("dump %d: %w", n, err)
		}
		where = " → " + file.path
	}
	fmt.Fprintf(e.stderr, "dump %d: %s debug=%d, %d goroutines, %s in %v%s\n",
		n, o.profile, o.debug, st.Goroutines, formatBytes(st.Bytes), st.Elapsed.Round(time.Microsecond), where)
	if o.summary {
		s, err := dump.ReadSummary(&keep, dump.Options{Top: 3})
		if err != nil {
			return fmt.Errorf("dump %d: summary: %w", n, err)
		}
		if err := s.WriteText(e.stderr); err != nil {
			return err
		}
	}
	return nil
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
