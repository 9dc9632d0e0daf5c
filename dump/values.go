package dump

import (
	"fmt"
	"runtime/pprof"
	"strconv"
)

// Profile names a goroutine profile that [Write] takes.
type Profile string

// The profiles [Write] takes.
const (
	// ProfileGoroutine lists every goroutine.
	ProfileGoroutine Profile = "goroutine"
	// ProfileGoroutineLeak lists every goroutine too, and marks those a
	// garbage collection finds blocked on something unreachable as leaked
	// (Go 1.27, or Go 1.26 with GOEXPERIMENT=goroutineleakprofile).
	ProfileGoroutineLeak Profile = "goroutineleak"
)

// wantProfile says which profile names are accepted.
const wantProfile = "goroutine or goroutineleak"

// ParseProfile returns the profile named s. A name other than goroutine or
// goroutineleak is a [*ValueError]; goroutineleak in a binary without that
// profile is one that wraps [ErrNoLeakProfile].
func ParseProfile(s string) (Profile, error) {
	p := Profile(s)
	return p, p.Check()
}

// Check says why p cannot be taken by this binary, if it cannot.
func (p Profile) Check() error {
	switch p {
	case ProfileGoroutine:
		return nil
	case ProfileGoroutineLeak:
		if pprof.Lookup(string(p)) == nil {
			return ErrNoLeakProfile
		}
		return nil
	}
	return &ValueError{Name: "profile", Value: strconv.Quote(string(p)), Want: wantProfile}
}

// Debug is the debug level of a written profile, as runtime/pprof numbers
// them; it is the profile's format.
type Debug int

// The debug levels [Write] takes.
const (
	// DebugProto is the gzipped protobuf that go tool pprof reads.
	DebugProto Debug = 0
	// DebugCounts is text with one record per distinct stack and label
	// set, and its count: "goroutine profile: total N".
	DebugCounts Debug = 1
	// DebugStacks is text with every goroutine's stack and wait reason,
	// as a crash prints them.
	DebugStacks Debug = 2
)

// wantDebug says which debug levels are accepted.
const wantDebug = "0, 1 or 2"

// ParseDebug returns the debug level written as s ("0", "1" or "2"), or a
// [*ValueError] naming s and the levels accepted.
func ParseDebug(s string) (Debug, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, &ValueError{Name: "debug level", Value: strconv.Quote(s), Want: wantDebug}
	}
	d := Debug(n)
	return d, d.Check()
}

// Check says why d is not a debug level, if it is not.
func (d Debug) Check() error {
	if d < DebugProto || d > DebugStacks {
		return &ValueError{Name: "debug level", Value: strconv.Itoa(int(d)), Want: wantDebug}
	}
	return nil
}

// Ext is the file name extension of a profile written at level d, as
// park --out names its files: .pb.gz, .debug1.txt or .txt.
func (d Debug) Ext() string {
	switch d {
	case DebugProto:
		return ".pb.gz"
	case DebugCounts:
		return ".debug1.txt"
	}
	return ".txt"
}

// ValueError is a profile name or debug level that is refused: Value (as
// written, quoted if it is text) is not among Want.
type ValueError struct {
	Name  string // "profile", "debug level"
	Value string
	Want  string // what is accepted
}

func (e *ValueError) Error() string {
	return e.Name + " " + e.Reason()
}

// Reason is the error without its Name: the value and what is wrong with
// it. A command line puts its flag's name in front instead.
func (e *ValueError) Reason() string {
	return fmt.Sprintf("%s: want %s", e.Value, e.Want)
}
