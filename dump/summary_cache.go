package dump

// The summariser's last-value cache, fenced here: neighbouring goroutines
// mostly share their state and their group, and the parser hands over the
// same strings for the same functions and files, which compare at once; so
// the previous goroutine's row and group are tried before the maps and
// the hash of the frames. Measured on 100k goroutines (BENCHMARKS.md):
// Summarize takes about a quarter of the time with it. The reference
// summariser (summarizer.plain) goes to the maps every time;
// reference_test.go checks that both give the same summaries.

// cachedRow returns the previous goroutine's state row if it is state's.
func (z *summarizer) cachedRow(state string) *StateRow {
	if z.plain || z.lastRow == nil || z.lastRow.State != state {
		return nil
	}
	return z.lastRow
}

// cachedGroup returns the previous goroutine's group if it is the group
// of state and frames.
func (z *summarizer) cachedGroup(state string, frames []Frame) *groupAcc {
	if z.plain || z.lastGroup == nil || z.lastGroup.State != state || !sameFrames(z.lastGroup.Frames, frames) {
		return nil
	}
	return z.lastGroup
}
