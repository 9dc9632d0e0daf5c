package e2e

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// commands is every command of gsysint-demo, in the order help lists them.
// It is written out here, not taken from the binary: a command added,
// dropped or renamed fails TestHelp until this list says so too.
var commands = []string{"park", "reasons", "report", "trace", "walkthrough", "pprof", "version"}

// commandList is the app's own list of commands, from its answer to an
// unknown command ("want one of park, reasons, ...").
func commandList(t *testing.T) []string {
	t.Helper()
	r := gsys(t, "no-such-command")
	wantExit(t, r, 2)
	m := regexp.MustCompile(`want one of (.*)$`).FindStringSubmatch(strings.TrimSpace(r.stderr))
	if m == nil {
		t.Fatalf("no command list in the unknown-command message:\n%v", r)
	}
	return strings.Split(m[1], ", ")
}

// helpCommands returns the names in the COMMANDS section of a help text,
// the first name of each line ("help, h" gives "help").
func helpCommands(t *testing.T, args []string, stdout string) []string {
	t.Helper()
	_, cmds, ok := strings.Cut(stdout, "\nCOMMANDS:\n")
	if !ok {
		t.Fatalf("%v: no COMMANDS section:\n%s", args, stdout)
	}
	cmds, _, _ = strings.Cut(cmds, "\n\n")
	var listed []string
	for _, line := range strings.Split(cmds, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			listed = append(listed, strings.TrimSuffix(f[0], ","))
		}
	}
	return listed
}

// TestHelp checks that help lists every command, in order, and nothing
// else but help itself; that the unknown-command message offers the same
// list; and that each command has its own help.
func TestHelp(t *testing.T) {
	t.Parallel()
	if got := commandList(t); !slices.Equal(got, commands) {
		t.Errorf("the unknown-command message offers %v, want %v", got, commands)
	}
	want := append(slices.Clone(commands), "help")
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {}} {
		r := gsys(t, args...)
		wantExit(t, r, 0)
		if got := helpCommands(t, args, r.stdout); !slices.Equal(got, want) {
			t.Errorf("%v lists commands %v, want %v", args, got, want)
		}
	}
	for _, name := range commands {
		for _, args := range [][]string{{"help", name}, {name, "--help"}} {
			r := gsys(t, args...)
			wantExit(t, r, 0)
			if !strings.Contains(r.stdout, "USAGE:\n   gsysint-demo "+name+" ") {
				t.Errorf("%v does not show the usage of gsysint-demo %s:\n%v", args, name, r)
			}
		}
	}
}
