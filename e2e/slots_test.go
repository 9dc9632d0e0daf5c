package e2e

import (
	"slices"
	"testing"
)

// Slots are planned for all groups at once: custom text never takes the
// slot of a runtime reason named later on the command line, so both orders
// of the flags park, and park alike.
func TestParkSlotsDoNotDependOnFlagOrder(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-r", "waiting for godot", "-r", "debug call"},
		{"-r", "debug call", "-r", "waiting for godot"},
	} {
		r := gsys(t, append(append([]string{"park"}, args...), "-n", "2", "--dumps", "1", "--debug", "1")...)
		wantExit(t, r, 0)
		lines := asText(r.stderrLines())
		for _, want := range []string{
			`parked 2 goroutines: reason "debug call" (31), trace reason "wait for debug call" (12)`,
			`parked 2 goroutines: reason "waiting for godot" (custom, slot 3), trace reason "unspecified" (0)`,
		} {
			if !slices.Contains(lines, want) {
				t.Errorf("%v: stderr lacks %s\n%v", args, want, r)
			}
		}
	}
}
