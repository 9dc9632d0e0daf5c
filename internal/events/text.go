package events

import (
	"fmt"
	"io"
	"time"
)

// perGoroutineFrom is the least number of goroutines whose parking line
// says how much memory each took: fewer are lost in the noise of the
// heap's growth.
const perGoroutineFrom = 10000

// writeText writes ev in the text form: the lines users, README examples
// and scripts have read since before the JSON form existed. Durations are
// shown to the microsecond.
func writeText(w io.Writer, ev Event) error {
	var err error
	switch e := ev.(type) {
	case Parked:
		noun := "goroutines"
		if e.Count == 1 {
			noun = "goroutine"
		}
		_, err = fmt.Fprintf(w, "parked %d %s: reason %v, trace reason %v\n", e.Count, noun, e.Reason, e.TraceReason)
	case Note:
		_, err = fmt.Fprintf(w, "  note: %s\n", e.Note)
	case ParkingDone:
		line := fmt.Sprintf("parking took %v; resident memory grew %s", e.Elapsed.Round(time.Microsecond), FormatBytes(e.RSSGrowth))
		if e.Goroutines >= perGoroutineFrom {
			line += fmt.Sprintf(", %.2f KB a goroutine", float64(e.RSSGrowth)/float64(e.Goroutines)/1000)
		}
		_, err = fmt.Fprintln(w, line)
	case ServingPprof:
		_, err = fmt.Fprintf(w, "serving pprof on %s\n", e.URL)
	case LivePage:
		_, err = fmt.Fprintf(w, "live page on %s\n", e.URL)
	case Dump:
		where := ""
		if e.Path != "" {
			where = " → " + e.Path
		}
		_, err = fmt.Fprintf(w, "dump %d: %s debug=%d, %d goroutines, %s in %v%s\n",
			e.N, e.Profile, e.Debug, e.Goroutines, FormatBytes(e.Bytes), e.Elapsed.Round(time.Microsecond), where)
	case Census:
		of, where := "", ""
		if e.Shape == "groups" {
			of = fmt.Sprintf(" in %d groups", e.Groups)
		}
		if e.Path != "" {
			where = " → " + e.Path
		}
		_, err = fmt.Fprintf(w, "dump %d: census %s of %s, %d goroutines%s, read in %v without stopping the world, written in %v%s\n",
			e.N, e.Form, e.Shape, e.Goroutines, of, e.Took.Round(time.Microsecond), e.Elapsed.Round(time.Microsecond), where)
	case Summary:
		if e.Change != "" {
			_, err = io.WriteString(w, e.Change)
		} else {
			err = e.Summary.WriteText(w)
		}
	case DumpCutShort:
		_, err = fmt.Fprintf(w, "dump %d: stdout's reader took none of it for %v after the stop: left cut short\n", e.N, e.Grace)
	case ReaderGone:
		_, err = fmt.Fprintf(w, "dump %d: stdout closed by its reader (broken pipe): stopping\n", e.N)
	case Interrupted:
		if e.While != "" {
			_, err = fmt.Fprintf(w, "interrupted while %s\n", e.While)
		} else {
			_, err = fmt.Fprintln(w, "interrupted")
		}
	case Released:
		line := fmt.Sprintf("released %d goroutines in %v", e.Released, e.Elapsed.Round(time.Microsecond))
		if e.LeakedRecovered > 0 {
			line += fmt.Sprintf(" (%d of them marked leaked by the goroutineleak profile, restored to waiting first)", e.LeakedRecovered)
		}
		_, err = fmt.Fprintln(w, line)
	case TraceWritten:
		_, err = fmt.Fprintf(w, "trace written to %s: read it with gsysint-demo trace %s, or go tool trace %s\n", e.Path, e.Path, e.Path)
	case Error:
		_, err = fmt.Fprintf(w, "gsysint-demo: %s\n", e.Error)
	default:
		err = fmt.Errorf("no text form for %T", ev)
	}
	return err
}

// String is r as the text form shows it: "chan receive" (19), or
// "waiting for godot" (custom, slot 31).
func (r Reason) String() string {
	if r.Custom {
		return fmt.Sprintf("%q (custom, slot %d)", r.Text, r.Index)
	}
	return fmt.Sprintf("%q (%d)", r.Text, r.Index)
}

// FormatBytes is a size as the text form shows it: 512 B, 3.1 KB, 1.2 MB,
// 2.0 GB (binary multiples).
func FormatBytes(n int64) string {
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
