//go:build go1.26 && !go1.28 && linux && (amd64 || arm64) && !goexperiment.staticlockranking

package linked

// mutexLayout is runtime.mutex of Go 1.26.8 and 1.27.3:
//
//	type mutex struct {
//		lockRankStruct // empty unless GOEXPERIMENT=staticlockranking
//		key uintptr
//	}
type mutexLayout struct {
	//lint:ignore U1000 only the runtime reads and writes it, through runtime.lock and unlock
	key uintptr
}
