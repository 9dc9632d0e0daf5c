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
//	CI=true               fail rather than skip where CI promises what a test
//	                      needs: a browser (browser_test.go); a memory cgroup
//	                      of the test's own when root with the memory
//	                      controller mounted read-write (TestMemoryLimitCgroup
//	                      makes a child of its cgroup, limits it, removes it)
//
// park runs with --log-format json unless a test gives --log-format: the
// tests read what it tells as events (package internal/events), and check
// the text form through asText, whose lines are what a user reads. They
// wait for a running process by reading its stderr line by line until the
// event they need (parked, dump N, serving_pprof) appears, within a bound;
// they never sleep to synchronise.
package e2e
