package linked

// Nanotime1 returns the runtime's monotonic clock in nanoseconds, read
// through an assembly stub whose whole body is JMP runtime·nanotime1(SB).
//
// That links because runtime·nanotime1 is itself written in assembly
// (runtime/sys_linux_amd64.s, sys_linux_arm64.s): it is an ABI0 symbol, and
// assembly references ABI0. On Go 1.26 it needs no flag; Go 1.27's linker
// applies the push rule to assembly references too, and without
// -checklinkname=0 says "invalid reference to runtime.nanotime1".
//
// A JMP to a function written in Go, such as runtime·lock, does not link on
// either: Go functions are ABIInternal, and the linker says "relocation
// target runtime.lock not defined for ABI0 (but is defined for
// ABIInternal)". The ABI0 wrapper that would bridge the two is generated
// only for functions the runtime itself references from assembly, and the
// <ABIInternal> selector is refused outside the runtime. Such functions are
// reached with //go:linkname instead (bindings.go).
//
// implemented in nanotime_amd64.s, nanotime_arm64.s
func Nanotime1() int64
