//go:build !goexperiment.staticlockranking

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
	key uintptr
}
