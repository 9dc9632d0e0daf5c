package cmd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gsysint-demo/park"
)

// A reason on park's command line is, in this order: an index as
// gsysint-demo reasons lists it ("19"), a runtime reason's text ("chan
// receive"), or custom text. Custom text that is a slip for a runtime
// reason is refused here; text that a reader of dumps could take for
// something the runtime wrote, park refuses (park.CheckWaitText), and this
// says so with the flag's name.

// waitReasonText returns the text park.Group.Reason gets for -r arg.
func waitReasonText(cat *park.Catalog, arg string) (string, error) {
	if arg == "" {
		return "", usagef("park: --reason \"\": want a runtime reason's text or index (see gsysint-demo reasons) or custom text")
	}
	table := cat.Wait
	if text, ok, err := byIndex("--reason", arg, table); ok || err != nil {
		return text, err
	}
	if isRuntimeText(arg, table) {
		return arg, nil
	}
	if err := checkCustom("--reason", arg, table, park.CheckWaitText(arg)); err != nil {
		return "", err
	}
	return arg, nil
}

// traceReasonText returns the text park.Group.TraceReason gets for
// --trace-reason arg ("" when not given: the runtime's pairing).
func traceReasonText(cat *park.Catalog, arg string, given bool) (string, error) {
	if !given {
		return "", nil
	}
	if arg == "" {
		return "", usagef("park: --trace-reason \"\": want a runtime trace reason's text or index (see gsysint-demo reasons) or custom text")
	}
	table := cat.Trace
	if text, ok, err := byIndex("--trace-reason", arg, table); ok || err != nil {
		return text, err
	}
	if isRuntimeText(arg, table) {
		return arg, nil
	}
	for _, e := range cat.Wait {
		if e.Text == arg && e.Class != park.Zero {
			return "", usagef("park: --trace-reason %q is the runtime's wait reason %d, not a trace block reason: give it as --reason (its trace reason then follows), or pick a trace reason from gsysint-demo reasons", arg, e.Index)
		}
	}
	return arg, checkCustom("--trace-reason", arg, table, park.CheckTraceText(arg))
}

// byIndex resolves arg if it is a number: the text of that row of table.
func byIndex(flag, arg string, table []park.CatalogReason) (text string, ok bool, err error) {
	if arg[0] < '0' || arg[0] > '9' {
		return "", false, nil
	}
	i, perr := strconv.Atoi(arg)
	if perr != nil {
		return "", false, usagef("park: %s %q: a number names a reason by its index: want 0 to %d (see gsysint-demo reasons)", flag, arg, len(table)-1)
	}
	if i >= len(table) {
		return "", false, usagef("park: %s %d: out of range, the runtime has %d (0 to %d): it indexes its tables with a reason unchecked, and the first GC or trace would crash the process", flag, i, len(table), len(table)-1)
	}
	e := table[i]
	if !e.Parkable {
		why := "" // the class, unless it is the word just said
		if e.Class != park.Refused {
			why = fmt.Sprintf(" (%s)", e.Class)
		}
		return "", false, usagef("park: %s %d %q is refused%s: %s", flag, i, e.Text, why, e.Note)
	}
	return e.Text, true, nil
}

func isRuntimeText(arg string, table []park.CatalogReason) bool {
	for _, e := range table {
		if e.Text == arg && e.Class != park.Zero {
			return true
		}
	}
	return false
}

// checkCustom refuses custom text that park refuses (refusal, from
// park.CheckWaitText or CheckTraceText), or that is so close to a runtime
// reason (case, spacing, a typo) that it is more likely a slip than a
// choice. Text that cannot be read as it would show is refused as such
// before it is compared with the reasons.
func checkCustom(flag, arg string, table []park.CatalogReason, refusal error) error {
	var te *park.TextError
	if refusal != nil && !errors.As(refusal, &te) {
		return refusal
	}
	if te != nil && te.Unprintable {
		return usagef("park: %s %q: %s", flag, arg, te.Why)
	}
	if e, ok := nearest(arg, table); ok {
		return usagef("park: %s %q is not a runtime reason but close to one: did you mean %q (%d)? (a reason is its exact text or its index, as gsysint-demo reasons lists them)", flag, arg, e.Text, e.Index)
	}
	if te != nil {
		return usagef("park: %s %q: %s", flag, arg, te.Why)
	}
	return nil
}

// nearest returns the runtime reason that arg differs from only in case,
// spacing or a typo or two.
func nearest(arg string, table []park.CatalogReason) (park.CatalogReason, bool) {
	fold := func(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }
	a := fold(arg)
	for _, e := range table {
		if e.Class == park.Zero {
			continue
		}
		t := fold(e.Text)
		limit := 1
		if len(t) >= 10 {
			limit = 2
		}
		if a == t || len(t) >= 5 && editDistance(a, t) <= limit {
			return e, true
		}
	}
	return park.CatalogReason{}, false
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
