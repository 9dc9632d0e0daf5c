//go:build go1.26 && !go1.28 && linux && (amd64 || arm64) && goexperiment.staticlockranking

package linked

// With GOEXPERIMENT=staticlockranking, runtime.mutex carries a lock rank in
// front of its key, and runtime.lock checks the rank of every lock it takes
// against the ranks it already holds. Our locks have no rank the runtime
// knows, so we do not mirror that layout: build without the experiment.
var _ = gsysintDemoDoesNotSupportGOEXPERIMENT_staticlockranking_buildWithoutIt

// mutexLayout is declared only so that the line above is the one error the
// compiler reports.
type mutexLayout struct{}
