package linked

// Mutex mirrors runtime.mutex (runtime/runtime2.go). Its layout is
// per-version knowledge: mutexLayout, in the mutex files named for their Go
// version range (mutex_go126.go).
//
// The zero value is unlocked. A Mutex must not be copied once used: while
// it is held, the runtime records the owning M in it.
type Mutex struct {
	//lint:ignore U1000 only the runtime reads and writes it, through runtime.lock and unlock
	m mutexLayout
}
