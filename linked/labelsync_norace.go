//go:build !race

package linked

// acquireLabels is a race annotation: nothing to do without -race.
func acquireLabels() {}
