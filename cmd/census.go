package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/urfave/cli/v2"

	"gsysint-demo/census"
	"gsysint-demo/dump"
	"gsysint-demo/internal/events"
)

// profileCensus is park's --profile census: not one of the runtime's
// profiles (package dump writes those), but a census (package census).
const profileCensus dump.Profile = "census"

// parseProfile is dump.ParseProfile, and census.
func parseProfile(s string) (dump.Profile, error) {
	if dump.Profile(s) == profileCensus {
		return profileCensus, nil
	}
	p, err := dump.ParseProfile(s)
	var ve *dump.ValueError
	if errors.As(err, &ve) {
		ve.Want = "goroutine, goroutineleak or census"
	}
	return p, err
}

// The park flags that only --profile census reads.
var (
	censusJSONFlag   = &cli.BoolFlag{Name: "json", Usage: "with --profile census: the census as JSON instead of a table"}
	censusEachFlag   = &cli.BoolFlag{Name: "per-goroutine", Usage: "with --profile census: one row (JSON object, protobuf sample) per goroutine, with its id and creator's id, instead of one per group"}
	censusSystemFlag = &cli.BoolFlag{Name: "system", Usage: "with --profile census: the runtime's own goroutines too (GC workers, sweeper, ...), which debug=2 hides"}
)

// censusOptions is how park writes a census at each dump.
type censusOptions struct {
	json, each, system bool
	parker             census.ParkTimes // for the real park times; set once parked
}

// censusOptionsFrom validates the census flags of park. It also checks,
// once, that the census can read this runtime: the check runs two GCs,
// cheap now, before anything is parked.
func censusOptionsFrom(c *cli.Context, o *parkOptions) error {
	o.census = censusOptions{json: c.Bool("json"), each: c.Bool("per-goroutine"), system: c.Bool("system")}
	if o.profile != profileCensus && o.http != "" {
		// --http serves the census: check now, before anything is parked.
		// A runtime it cannot read shows at /debug/census, not here.
		census.Check()
	}
	if o.profile != profileCensus {
		for _, f := range []string{"json", "per-goroutine", "system"} {
			if c.IsSet(f) {
				return usagef("park: --%s is for --profile census; --profile %s writes the runtime's own formats (--debug 0, 1 or 2)", f, o.profile)
			}
		}
		return nil
	}
	switch {
	case o.summary:
		return usagef("park: --summary with --profile census: the census table is that summary already; drop --summary")
	case o.debug == dump.DebugCounts:
		return usagef("park: --profile census --debug 1: want --debug 2 (the default: a table, or --json) or --debug 0 (gzipped pprof protobuf)")
	case o.debug == dump.DebugProto && o.census.json:
		return usagef("park: --profile census --debug 0 --json: want one of them (--debug 0 is the protobuf, --json the JSON)")
	}
	if out := c.String("out"); out != "-" && o.census.json {
		// checkOut finds earlier tables and protobufs by their dumpExt;
		// JSON files are the census's own.
		if ents, err := os.ReadDir(out); err == nil {
			for _, ent := range ents {
				if censusJSONName.MatchString(ent.Name()) {
					return usagef("park: --out %q already holds %s from an earlier run: dumps never replace files; give an empty or new directory, or move that run's files away", out, ent.Name())
				}
			}
		}
	}
	return census.Check()
}

var censusJSONName = regexp.MustCompile(`^census-[0-9]{4,}\.json$`)

// writeCensusDump writes census n as park writes a dump: to stdout or to
// its file in --out; its event goes to stderr (parkRun.report).
func writeCensusDump(stdout io.Writer, o *parkOptions, n int) (*written, error) {
	ev := &events.Census{N: n, Form: "table", Shape: "groups"}
	switch {
	case o.debug == dump.DebugProto:
		ev.Form = "protobuf"
	case o.census.json:
		ev.Form = "json"
	}
	if o.census.each {
		ev.Shape = "goroutines"
	}
	w := stdout
	var file *atomicFile
	if o.outDir != "" {
		var err error
		if file, err = createAtomic(filepath.Join(o.outDir, censusName(o, n))); err != nil {
			return nil, err
		}
		defer file.discard()
		w = file
	}
	var opts []census.Option
	if o.census.parker != nil {
		opts = append(opts, census.WithParkTimes(o.census.parker))
	}
	if o.census.system {
		opts = append(opts, census.WithSystem())
	}
	start := time.Now()
	h, groups, err := writeCensus(w, o, opts)
	if err != nil {
		return nil, err
	}
	ev.Elapsed, ev.Took, ev.Goroutines = time.Since(start), h.Took, h.Total
	if groups >= 0 {
		ev.Groups = groups
	}
	d := &written{census: ev}
	if file != nil {
		if err := file.commit(); err != nil {
			return nil, err
		}
		d.path = file.path
		ev.Path = file.path
	}
	return d, nil
}

// censusName is the file name of census n in an --out directory:
// census-0001.txt (the table), .json, or .pb.gz.
func censusName(o *parkOptions, n int) string {
	ext := o.debug.Ext()
	if o.census.json {
		ext = ".json"
	}
	return fmt.Sprintf("census-%04d%s", n, ext)
}

func writeCensus(w io.Writer, o *parkOptions, opts []census.Option) (census.Header, int, error) {
	if o.census.each {
		s, err := census.Take(opts...)
		if err != nil {
			return census.Header{}, 0, err
		}
		return s.Header, -1, writeCensusForm(w, o, s.WriteText, s.WriteJSON, s.WriteProto)
	}
	gs, err := census.TakeGroups(opts...)
	if err != nil {
		return census.Header{}, 0, err
	}
	return gs.Header, len(gs.Groups), writeCensusForm(w, o, gs.WriteText, gs.WriteJSON, gs.WriteProto)
}

// writeCensusForm writes a census (one record per goroutine or per group)
// in the form o asks for: a protobuf for --debug 0, JSON for --json, else
// the table.
func writeCensusForm(w io.Writer, o *parkOptions, text, json, proto func(io.Writer) error) error {
	switch {
	case o.debug == dump.DebugProto:
		return proto(w)
	case o.census.json:
		return json(w)
	}
	return text(w)
}
