package series

import (
	"io"

	"github.com/google/pprof/profile"

	"gsysint-demo/dump"
)

// Labels of the samples WriteProfile writes.
const (
	LabelSource     = "source"
	LabelState      = "state"
	LabelWaitReason = "wait_reason"
)

// statuses are the states debug=2 prints for a goroutine that is not
// waiting (runtime's gStatusStrings); any other state is a wait reason.
var statuses = map[string]bool{
	"idle": true, "runnable": true, "running": true, "syscall": true,
	"dead": true, "copystack": true, "preempted": true,
}

// StateLabels splits a group's state into the state and wait_reason
// labels: "running" is a state; "chan receive" is state "waiting" with
// that wait reason; an empty state (not recorded) gives neither.
func StateLabels(state string) (st, reason string) {
	switch {
	case state == "":
		return "", ""
	case statuses[state]:
		return state, ""
	}
	return "waiting", state
}

// WriteProfile writes the merged view as a gzipped pprof goroutine
// profile: one sample per group and source, its value the count, with
// the labels source, state and wait_reason (go tool pprof
// -tagroot=source,wait_reason shows them as the stacks' roots).
func (v *Merged) WriteProfile(w io.Writer) error {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "goroutine", Unit: "count"}},
		PeriodType: &profile.ValueType{Type: "goroutine", Unit: "count"},
		Period:     1,
	}
	funcs := map[[2]string]*profile.Function{}
	locs := map[dump.Frame]*profile.Location{}
	location := func(f dump.Frame) *profile.Location {
		if l := locs[f]; l != nil {
			return l
		}
		fn := funcs[[2]string{f.Func, f.File}]
		if fn == nil {
			fn = &profile.Function{ID: uint64(len(p.Function) + 1), Name: f.Func, SystemName: f.Func, Filename: f.File}
			funcs[[2]string{f.Func, f.File}] = fn
			p.Function = append(p.Function, fn)
		}
		l := &profile.Location{ID: uint64(len(p.Location) + 1), Line: []profile.Line{{Function: fn, Line: int64(f.Line)}}}
		locs[f] = l
		p.Location = append(p.Location, l)
		return l
	}
	for _, g := range v.Groups {
		stack := make([]*profile.Location, len(g.Frames))
		for i, f := range g.Frames {
			stack[i] = location(f)
		}
		st, reason := StateLabels(g.State)
		for i, c := range g.Counts {
			if c == 0 {
				continue
			}
			labels := map[string][]string{LabelSource: {v.Sources[i].Name}}
			if st != "" {
				labels[LabelState] = []string{st}
			}
			if reason != "" {
				labels[LabelWaitReason] = []string{reason}
			}
			p.Sample = append(p.Sample, &profile.Sample{Location: stack, Value: []int64{int64(c)}, Label: labels})
		}
	}
	if err := p.CheckValid(); err != nil {
		return err
	}
	return p.Write(w)
}
