//go:build go1.26 && !go1.28 && linux && (amd64 || arm64) && !goexperiment.staticlockranking

package linked

// Mutex mirrors runtime.mutex (runtime/runtime2.go):
//
//	type mutex struct {
//		lockRankStruct // empty unless GOEXPERIMENT=staticlockranking
//		key uintptr
//	}
//
// The zero value is unlocked. A Mutex must not be copied once used: while
// it is held, key records the owning M.
type Mutex struct {
	//lint:ignore U1000 only the runtime reads and writes it, through runtime.lock and unlock
	key uintptr
}
