package cmd

import (
	"fmt"
	"runtime/debug"
)

// Exit status 2 is bad input, said in one line; but it is also the status
// Go gives a program that panics or hits a fatal error (out of memory, a
// deadlock), which is a bug, not a refusal. So that a script cannot take one
// for the other, a crash ends the process by SIGABRT instead (134 in a
// shell, "signal: aborted" to Go), after the runtime's traceback of every
// goroutine: the traceback level "crash" (GOTRACEBACK=crash), set once for
// every command. A panic that a reader recovers and re-raises as it is (the
// mapped-file fault handler in dump does, for anything that is not a
// memory fault) keeps its first traceback: the runtime prints it, marked
// "[recovered, repanicked]", before it crashes. With core dumps enabled
// (ulimit -c), the crash leaves one.
//
// park's SIGQUIT keeps Go's exit status 2 (see onQuitRemoveTemps): it asks
// for the runtime's goroutine dump, it is not a crash. (Other commands,
// which document no SIGQUIT, end by SIGABRT after the same dump.)
func crashLoudly() { debug.SetTraceback("crash") }

// crashForTest is empty in every build but the one of e2e's crash test,
// which sets it with -ldflags=-X gsysint-demo/cmd.crashForTest=COMMAND:
// that command then panics in a goroutine of its own once it starts, as a
// bug in a reader's worker would, for the test to see how the process ends.
var crashForTest string

// crashIfTested panics in a new goroutine if the test build asked for a
// crash in command, and waits for the crash.
func crashIfTested(command string) {
	if crashForTest == "" || crashForTest != command {
		return
	}
	go func() { panic(fmt.Sprintf("crash test: a bug in %s", command)) }()
	select {}
}
