// Package e2e holds end-to-end tests of the gsysint-demo command line. They
// run the built binary, never the cmd package in process: TestMain builds it
// once per test run with the go command on PATH (so GOTOOLCHAIN=go1.27.3 go
// test builds it with Go 1.27.3) and -ldflags=-checklinkname=0, and every
// test runs it with exec.Command and checks its exit status, stdout, stderr
// and the files it writes. The pprof interop tests run the real go tool
// pprof on what it writes and serves.
//
//	go test -ldflags=-checklinkname=0 ./e2e/
//	GOTOOLCHAIN=go1.27.3 go test -ldflags=-checklinkname=0 ./e2e/
//
// Environment:
//
//	GSYSINT_SKIP_HUGE=1   skip the 250k-goroutine dump (so does -short)
//
// The tests wait for a running process by reading its stderr line by line
// until the line they need (parked ..., dump N: ..., serving pprof on ...)
// appears, within a bound; they never sleep to synchronise.
package e2e
