package park

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Custom text shows where the runtime shows a reason: inside a debug=2
// goroutine header for a wait reason, in trace viewers for a trace reason.
// Text that a reader of dumps could take for something the runtime wrote is
// refused, for every user of park alike.

// TextError is park's refusal of custom text for a reason: Resolve and Park
// return one for such text, and CheckWaitText and CheckTraceText say so up
// front.
type TextError struct {
	Kind string // "wait" or "trace"
	Text string // the text refused
	Why  string // what is wrong with it, and what would do

	// Unprintable: Text has a character that is not printable (Why names
	// it); the text cannot even be read as it would show.
	Unprintable bool
}

func (e *TextError) Error() string {
	return fmt.Sprintf("custom %s reason %q: %s", e.Kind, e.Text, e.Why)
}

// CheckWaitText returns a *TextError if text cannot be a custom wait
// reason: it has a character that is not printable, or it would make a
// debug=2 header read as the runtime's own (a state word for a reason, the
// " (leaked)" or ", 5 minutes" the runtime appends, brackets or braces).
// Park checks this itself; a program that takes reasons from its users may
// call it first.
func CheckWaitText(text string) error {
	if err := checkPrintable("wait", text); err != nil {
		return err
	}
	if why := forgesHeader(text); why != "" {
		return &TextError{Kind: "wait", Text: text, Why: why}
	}
	return nil
}

// CheckTraceText returns a *TextError if text cannot be a custom trace
// block reason: it has a character that is not printable. (A trace reason
// shows in trace viewers, not in a goroutine's header.)
func CheckTraceText(text string) error {
	return checkPrintable("trace", text)
}

func checkPrintable(kind, text string) error {
	for _, r := range text {
		if r != ' ' && !unicode.IsPrint(r) {
			return &TextError{Kind: kind, Text: text, Unprintable: true,
				Why: fmt.Sprintf("custom text has %U, which is not a printable character (control, zero-width, bidirectional or non-ASCII space): it would make the dump read differently from its bytes", r)}
		}
	}
	return nil
}

// goroutineStates are the states the runtime prints in a debug=2 header
// instead of a wait reason (runtime.gStatusStrings).
var goroutineStates = []string{"idle", "runnable", "running", "syscall", "waiting", "dead", "moribund", "enqueue", "copystack", "preempted", "leaked"}

// minutesRE is the wait age the runtime appends: "chan receive, 5 minutes".
var minutesRE = regexp.MustCompile(`, [0-9]+ minutes?`)

// forgesHeader says why custom wait-reason text would make a debug=2
// header ambiguous, or "". The runtime prints the text inside
//
//	goroutine 18 [TEXT (leaked), 5 minutes, locked to thread]:
//	goroutine 18 [TEXT] {job: w7}:      (Go 1.27 labels)
//
// and readers take what follows the reason back off its end.
func forgesHeader(text string) string {
	for _, s := range goroutineStates {
		if text == s {
			return fmt.Sprintf("the runtime prints %q as a goroutine's state, not a wait reason: readers would take these goroutines for %s ones", s, s)
		}
	}
	for _, suffix := range []string{"(leaked)", "(scan)", "(durable)"} {
		if strings.Contains(text, suffix) {
			return fmt.Sprintf("the runtime appends %q to a reason: readers would count these goroutines as marked so", suffix)
		}
	}
	if minutesRE.MatchString(text) {
		return "the runtime appends \", N minutes\" to a reason: readers would take it for how long these goroutines have waited"
	}
	for _, s := range []string{", locked to thread", ", synctest bubble", "labels:"} {
		if strings.Contains(text, s) {
			return fmt.Sprintf("the runtime appends %q to a reason: readers would take it for the runtime's", strings.TrimPrefix(s, ", "))
		}
	}
	if strings.ContainsAny(text, "[]{}") {
		return "custom text has [, ], { or }, which delimit the state and the labels in a goroutine's header: want text without them"
	}
	return ""
}
