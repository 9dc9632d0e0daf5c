//go:build go1.26 && !go1.28 && linux && (amd64 || arm64) && !race

package linked

// acquireLabels is a race annotation: nothing to do without -race.
func acquireLabels() {}
