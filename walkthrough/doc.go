// Package walkthrough is a narrated tour of the techniques gsysint-demo uses
// to reach the Go runtime's hidden scheduler, with the real toolchain and
// the live runtime as witnesses.
//
// The tour is a list of numbered steps (see [Steps]). Each step has a short
// explanation, the code in question, a live demonstration and what to
// notice in it:
//
//   - steps 1–4 compile tiny programs in a temporary module with the user's
//     own go command and show what the compiler and the linker really say
//     (undefined: runtime.gopark, invalid reference to runtime.lock, missing
//     function body, not defined for ABI0);
//   - steps 5–9 park goroutines in this process with package park and show
//     how goroutine dumps (package dump), the protobuf profile, an execution
//     trace (package tracing) and the goroutineleak profile report them;
//   - step 10 shows what is refused and why, and how the version guard works;
//   - step 11 reads one goroutine's own record in the runtime (package
//     census) next to what each report shows of it, and times a census
//     against a runtime.Stack dump, with the stop-the-world pauses of each.
//
// Every goroutine a step parks is released before the step returns, also on
// errors and when the context is cancelled.
//
// # Parameters
//
// [Options] says where the tour writes ([Options.Out]; the prompt goes to
// [Options.Prompt]), whether it pauses after each step and reads the answer
// from [Options.In] ("Enter to continue, q to quit"), the step it starts at,
// whether it colours its titles, and the go command to compile with.
// The package knows nothing of flags or terminals: the caller decides
// Pause and Color (gsysint-demo walkthrough: pause when stdin is a
// terminal, colour when stdout is one and NO_COLOR is not set).
package walkthrough
