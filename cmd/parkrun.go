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
	"runtime/debug"
	"syscall"
	"time"

	"gsysint-demo/census"
	"gsysint-demo/dump"
	"gsysint-demo/internal/events"
	"gsysint-demo/internal/procstat"
	"gsysint-demo/park"
	"gsysint-demo/tracing"
	"gsysint-demo/web"
)

// stopSignals end a park run: everything parked is released, the dump being
// written to a file is finished, the trace is written. SIGHUP is the
// terminal closing.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// stalledGrace is how long a stop waits for a dump to stdout to be read
// before it gives up on it: the reader may never read again (park | sleep 25).
const stalledGrace = 2 * time.Second

// errReaderGone ends a run whose stdout was closed by its reader: run has
// released and written the trace; Main then ends the process by SIGPIPE, as
// a filter whose reader went away does.
var errReaderGone = errors.New("stdout closed by its reader")

// parkRun is one park command between its checks and its exit.
type parkRun struct {
	e    *env
	o    *parkOptions
	ctx  context.Context // done at a stop signal or at --duration's end
	sig  context.Context // done at a stop signal
	p    *park.Parker
	srv  *pprofServer
	live *web.Live // the page at / of --http
	rec  *tracing.Recording
	log  *events.Writer // stderr, in --log-format
	// prevSummary is the last dump's summary, for --summary's change.
	prevSummary *dump.Summary
}

// emit tells the user ev on stderr. A stderr that fails is no reason to
// stop: what the run does is in its dumps and exit status.
func (r *parkRun) emit(ev events.Event) { r.log.Emit(ev) }

func runPark(e *env, o *parkOptions) (err error) {
	// A closed stdout is an error from the write, not a SIGPIPE that kills
	// the process before it releases (see errReaderGone). (Notify, not
	// Ignore: signal.Reset does not undo Ignore, and dieOfSIGPIPE needs
	// the runtime's own handling back.)
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	sig, stop := signal.NotifyContext(context.Background(), stopSignals...)
	defer stop()
	defer onQuitRemoveTemps()()

	r := &parkRun{e: e, o: o, ctx: sig, sig: sig, log: events.NewWriter(e.stderr, o.logFormat)}
	if o.duration > 0 {
		var cancel context.CancelFunc
		r.ctx, cancel = context.WithTimeout(sig, o.duration)
		defer cancel()
	}
	progress := newProgress(e.stderr, o.logFormat)
	r.p, err = park.New(park.WithProgress(progress.update), park.WithBeforeStart(r.startTrace))
	if err != nil {
		return err
	}
	o.census.parker = r.p
	// Resolve first, so that a refused reason is bad input and nothing starts.
	if _, err := r.p.Resolve(o.groups...); err != nil {
		return usagef("park: %v", err)
	}
	if err := checkMemory(o.groups); err != nil {
		return usagef("park: %v", err)
	}
	if o.http != "" {
		r.live = newLivePage(o)
		if r.srv, err = startPprofServer(o.http, e.stderr, r.live, census.WithParkTimes(r.p)); err != nil {
			// "listen tcp ADDR: bind: address already in use": the
			// address is said already.
			var op *net.OpError
			if errors.As(err, &op) {
				err = op.Err
			}
			return usagef("park: --http %q: %v", o.http, err)
		}
		// The live page's census samples, from now on: its chart shows
		// the goroutines as they park.
		sampling, stopSampling := context.WithCancel(context.Background())
		defer stopSampling()
		go r.live.RunOverTime(sampling, o.interval)
	}
	// Whatever happens from here on, every parked goroutine is released,
	// and the trace, if any, records the release before it stops.
	defer func() { err = r.finish(err) }()

	if done, err := r.parkAll(progress); done || err != nil {
		return err
	}
	if r.srv != nil {
		r.emit(events.ServingPprof{Addr: r.srv.addr, URL: "http://" + r.srv.addr + "/debug/pprof/"})
		r.emit(events.LivePage{URL: "http://" + r.srv.addr + "/"})
	}
	if o.serveOnly {
		<-r.ctx.Done()
		return r.stopped()
	}
	return r.dumpLoop()
}

// startTrace starts the trace once the custom texts are in the runtime's
// tables and before any goroutine parks, so that it records them from its
// first event.
func (r *parkRun) startTrace() error {
	if r.o.trace == "" {
		return nil
	}
	return temps.create(func() (string, error) {
		var err error
		if r.rec, err = tracing.Start(r.o.trace); err != nil {
			return "", err
		}
		return r.rec.TempName(), nil
	})
}

// parkAll parks the groups and reports them; done is true if a signal
// ended the run while it parked.
func (r *parkRun) parkAll(progress *progress) (done bool, err error) {
	rssBefore, _ := procstat.Resident(0)
	start := time.Now()
	parked, err := r.p.Park(r.ctx, r.o.groups...)
	took := time.Since(start)
	progress.done()
	if r.live != nil {
		if r.rec != nil {
			r.live.SetTrace(r.rec.TempName())
		}
		r.live.SetParked(liveGroups(parked))
	}
	total := 0
	for _, pk := range parked {
		total += pk.Count
		r.emit(parkedEvent(pk))
		if note := classNote(pk); note != "" {
			r.emit(events.Note{Note: note})
		}
	}
	if total > 0 {
		rssAfter, _ := procstat.Resident(0)
		r.emit(events.ParkingDone{Goroutines: total, Elapsed: took, RSSGrowth: rssAfter - rssBefore})
	}
	if err != nil && r.ctx.Err() != nil {
		if r.sig.Err() != nil {
			r.emit(events.Interrupted{While: "parking"})
		}
		return true, nil
	}
	return false, err
}

// stopped reports why the run stopped early, if a signal stopped it.
func (r *parkRun) stopped() error {
	if r.sig.Err() != nil {
		r.emit(events.Interrupted{})
	}
	return nil
}

// dumpLoop writes the dumps, --interval apart, until --dumps, --duration
// or a signal ends it.
func (r *parkRun) dumpLoop() error {
	tick := time.NewTicker(r.o.interval)
	defer tick.Stop()
	for n := 1; ; n++ {
		if stop, err := r.dump(n); stop || err != nil {
			return err
		}
		if r.o.dumps != 0 && n == r.o.dumps {
			return nil
		}
		select {
		case <-r.ctx.Done():
			return r.stopped()
		case <-tick.C:
		}
	}
}

// dump takes dump n and reports it. A stop during a dump to files lets the
// dump finish whole (the disk waits on nobody); a dump to stdout gets
// stalledGrace, then is left cut short. stop is true if the run must end.
func (r *parkRun) dump(n int) (stop bool, err error) {
	type result struct {
		d   *written
		err error
	}
	done := make(chan result, 1)
	go func() {
		d, err := writeDump(r.e.stdout, r.o, n)
		done <- result{d, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-r.ctx.Done():
		if r.o.outDir != "" {
			res = <-done
			break
		}
		select {
		case res = <-done:
		case <-time.After(stalledGrace):
			r.emit(events.DumpCutShort{N: n, Grace: stalledGrace})
			return true, r.stopped()
		}
	}
	if res.err != nil {
		if r.o.outDir == "" && errors.Is(res.err, syscall.EPIPE) {
			r.emit(events.ReaderGone{N: n})
			return true, errReaderGone
		}
		return true, fmt.Errorf("dump %d: %w", n, res.err)
	}
	if err := r.report(n, res.d); err != nil {
		return true, err
	}
	if r.ctx.Err() != nil {
		return true, r.stopped()
	}
	return false, nil
}

// leakTextCutOff is where runtime/pprof stops the debug=2 text of the
// goroutineleak profile: it doubles a buffer from 1 MiB and writes what fits
// in 64 MiB (writeGoroutineStacks in runtime/pprof/pprof.go).
const leakTextCutOff = 64 << 20

// written is a dump written by writeDump.
type written struct {
	st   dump.Stats
	path string       // "" for stdout
	text bytes.Buffer // the dump again, for --summary

	census *events.Census // for --profile census: its event (writeCensusDump)
}

// writeDump writes dump n to stdout or to its file.
func writeDump(stdout io.Writer, o *parkOptions, n int) (*written, error) {
	if o.profile == profileCensus {
		return writeCensusDump(stdout, o, n)
	}
	d := &written{}
	w := stdout
	var file *atomicFile
	if o.outDir != "" {
		var err error
		if file, err = createAtomic(filepath.Join(o.outDir, dumpName(o.profile, o.debug, n))); err != nil {
			return nil, err
		}
		defer file.discard()
		w = file
	}
	if o.summary {
		w = io.MultiWriter(w, &d.text)
	}
	var err error
	if d.st, err = dump.Write(w, o.profile, o.debug); err != nil {
		return nil, err
	}
	if file != nil {
		if err := file.commit(); err != nil {
			return nil, err
		}
		d.path = file.path
	}
	return d, nil
}

// report reports dump n on stderr, and summarises it if asked.
func (r *parkRun) report(n int, d *written) error {
	o := r.o
	if d.census != nil {
		r.emit(*d.census)
		return nil
	}
	r.emit(events.Dump{N: n, Profile: o.profile, Debug: o.debug, Goroutines: d.st.Goroutines, Bytes: d.st.Bytes, Elapsed: d.st.Elapsed, Path: d.path})
	if o.profile == dump.ProfileGoroutineLeak && o.debug == dump.DebugStacks && d.st.Bytes == leakTextCutOff {
		r.emit(events.Note{Note: fmt.Sprintf("runtime/pprof cuts the goroutineleak profile's debug=2 text off at %s, without a word: this dump is incomplete (--profile goroutine --debug 2 is complete at any size)", events.FormatBytes(leakTextCutOff))})
	}
	if !o.summary {
		return nil
	}
	s, err := dump.ReadSummary(&d.text, dump.Options{})
	if err != nil {
		return fmt.Errorf("dump %d: summary: %w", n, err)
	}
	shown, change, err := parkSummaryChange(n, s, r.prevSummary)
	if err != nil {
		return fmt.Errorf("dump %d: summary: %w", n, err)
	}
	r.prevSummary = s
	return r.log.Emit(events.Summary{N: n, Summary: shown, Change: change})
}

// finish stops serving, releases every parked goroutine and writes the
// trace; err is the run's error so far.
func (r *parkRun) finish(err error) error {
	if r.srv != nil {
		r.srv.shutdown()
	}
	start := time.Now()
	rel := r.p.Release()
	r.emit(events.Released{Released: rel.Released, LeakedRecovered: rel.LeakedRecovered, Elapsed: time.Since(start)})
	if rel.NotWaiting > 0 && err == nil {
		err = fmt.Errorf("%d goroutines were neither waiting nor leaked and were left alone", rel.NotWaiting)
	}
	if r.rec == nil {
		return err
	}
	tmp := r.rec.TempName()
	terr := r.rec.Stop()
	temps.remove(tmp)
	switch {
	case terr != nil && (err == nil || err == errReaderGone):
		return terr
	case terr == nil:
		r.emit(events.TraceWritten{Path: r.o.trace})
	}
	return err
}

// onQuitRemoveTemps has a SIGQUIT remove this process's temporary files,
// then end the process as SIGQUIT does (goroutine dump, exit status 2), for
// the whole park run; park's stop signals finish its files instead, so
// temps watches no signal of its own. It returns the function that stops
// watching.
func onQuitRemoveTemps() func() {
	temps.mu.Lock()
	temps.stopsHandled = true
	temps.mu.Unlock()
	// The runtime's SIGQUIT dump and exit status 2, as for any Go program,
	// not the crash of crashLoudly.
	stop := removeTempsOn(func() { debug.SetTraceback("all") }, syscall.SIGQUIT)
	return func() {
		stop()
		temps.mu.Lock()
		temps.stopsHandled = false
		temps.mu.Unlock()
	}
}
