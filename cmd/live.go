package cmd

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"gsysint-demo/census"
	"gsysint-demo/park"
	"gsysint-demo/web"
)

// newLivePage is the live page park --http serves at "/", with the run's
// settings.
func newLivePage(o *parkOptions) *web.Live {
	reasons := make([]string, len(o.groups))
	for i, g := range o.groups {
		reasons[i] = strconv.Quote(g.Reason)
	}
	count, traceReason, labels := 0, "", ""
	if len(o.groups) > 0 {
		g := o.groups[0]
		count, traceReason = g.Count, g.TraceReason
		for _, k := range slices.Sorted(maps.Keys(g.Labels)) {
			labels += fmt.Sprintf(", %s=%s", k, g.Labels[k])
		}
	}
	dumps := strconv.Itoa(o.dumps)
	if o.dumps == 0 {
		dumps = "0 (until interrupted"
		if o.duration > 0 {
			dumps += ", or after " + o.duration.String()
		}
		dumps += ")"
	}
	out := "stdout"
	if o.outDir != "" {
		out = o.outDir
	}
	settings := []web.Setting{
		{Name: "--reason", Value: strings.Join(reasons, ", ")},
		{Name: "--count", Value: strconv.Itoa(count) + " per reason"},
		{Name: "--trace-reason", Value: orElse(traceReason, "the runtime's pairing (unspecified for custom text)")},
		{Name: "--label", Value: orElse(strings.TrimPrefix(labels, ", "), "none besides reason and trace_reason")},
		{Name: "--interval", Value: o.interval.String()},
		{Name: "--dumps", Value: dumps},
		{Name: "--debug", Value: strconv.Itoa(int(o.debug))},
		{Name: "--profile", Value: string(o.profile)},
		{Name: "--out", Value: out},
		{Name: "--trace", Value: orElse(o.trace, "off")},
	}
	return web.NewLive(web.LiveConfig{Settings: settings, TraceFile: o.trace, Census: liveCensus{o.census.parker}})
}

// liveCensus is the census as the live page reads it.
type liveCensus struct {
	parker census.ParkTimes // for the real park times
}

func (c liveCensus) Record(goid int64) (*web.CensusRecord, error) {
	if goid <= 0 {
		return nil, nil
	}
	g, h, err := census.Find(uint64(goid), census.WithParkTimes(c.parker))
	if err != nil || g == nil {
		return nil, err
	}
	rec := &web.CensusRecord{
		ID: g.ID, Status: g.Status, State: g.State, Leaked: g.Leaked,
		Age: g.Age, AgeKnown: g.AgeKnown, Parked: g.Parked, ParkedKnown: g.ParkedKnown,
		Start: g.Start.String(), Created: g.Created.String(), CreatorID: g.CreatorID,
		System: g.System, LockedToThread: g.LockedToThread, Changing: g.Changing,
		TakenAt: h.TakenAt, Took: h.Took, Total: h.Total,
	}
	for _, l := range g.Labels {
		rec.Labels = append(rec.Labels, web.Label{Key: l.Key, Value: l.Value})
	}
	return rec, nil
}

// Sample counts the goroutines by state from census.TakeGroups, whose
// memory grows with the groups, not with the goroutines.
func (c liveCensus) Sample() (web.CensusSample, error) {
	gs, err := census.TakeGroups()
	if err != nil {
		return web.CensusSample{}, err
	}
	s := web.CensusSample{TakenAt: gs.TakenAt, Took: gs.Took, Total: gs.Total, System: gs.System, States: map[string]int{}}
	for _, g := range gs.Groups {
		state := g.State
		if g.Leaked {
			state += " (leaked)" // as debug=2 shows it
		}
		s.States[state] += g.Count
	}
	return s, nil
}

// orElse is s, or def if s is empty.
func orElse(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// liveGroups is what park parked, as the live page shows it.
func liveGroups(parked []park.Parked) []web.ParkedGroup {
	out := make([]web.ParkedGroup, len(parked))
	for i, pk := range parked {
		g := web.ParkedGroup{
			Count:     pk.Count,
			Wait:      web.Reason{Text: pk.Wait.Text, Index: pk.Wait.Index, Custom: pk.Wait.Custom},
			Trace:     web.Reason{Text: pk.Trace.Text, Index: pk.Trace.Index, Custom: pk.Trace.Custom},
			Class:     pk.Wait.Class.String(),
			ClassNote: pk.Wait.Note,
		}
		if pk.Wait.Custom {
			g.ClassNote = fmt.Sprintf("custom text shown through slot %d, borrowed from a reason the runtime seldom uses; given back on release", pk.Wait.Index)
		}
		for _, k := range slices.Sorted(maps.Keys(pk.Labels)) {
			g.Labels = append(g.Labels, web.Label{Key: k, Value: pk.Labels[k]})
		}
		out[i] = g
	}
	return out
}
