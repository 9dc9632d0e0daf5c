package dump

import (
	"errors"
	"runtime/pprof"
	"testing"
)

func TestParseDebug(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    Debug
		wantErr string
	}{
		{"0", DebugProto, ""},
		{"1", DebugCounts, ""},
		{"2", DebugStacks, ""},
		{"3", 0, "debug level 3: want 0, 1 or 2"},
		{"-1", 0, "debug level -1: want 0, 1 or 2"},
		{"two", 0, `debug level "two": want 0, 1 or 2`},
		{"", 0, `debug level "": want 0, 1 or 2`},
	} {
		got, err := ParseDebug(c.in)
		if c.wantErr == "" {
			if err != nil || got != c.want {
				t.Errorf("ParseDebug(%q) = %v, %v; want %v", c.in, got, err, c.want)
			}
			continue
		}
		var ve *ValueError
		if !errors.As(err, &ve) || err.Error() != c.wantErr {
			t.Errorf("ParseDebug(%q) error = %v, want a *ValueError %q", c.in, err, c.wantErr)
		}
	}
}

func TestParseProfile(t *testing.T) {
	if p, err := ParseProfile("goroutine"); err != nil || p != ProfileGoroutine {
		t.Errorf("ParseProfile(goroutine) = %q, %v", p, err)
	}
	_, err := ParseProfile("heap")
	var ve *ValueError
	if !errors.As(err, &ve) || err.Error() != `profile "heap": want goroutine or goroutineleak` {
		t.Errorf("ParseProfile(heap) error = %v, want a *ValueError naming it and the accepted names", err)
	}
	_, err = ParseProfile("goroutineleak")
	if has := pprof.Lookup("goroutineleak") != nil; has != (err == nil) || !has && !errors.Is(err, ErrNoLeakProfile) {
		t.Errorf("ParseProfile(goroutineleak) error = %v; the binary has the profile: %v", err, has)
	}
}

func TestDebugExt(t *testing.T) {
	for d, want := range map[Debug]string{DebugProto: ".pb.gz", DebugCounts: ".debug1.txt", DebugStacks: ".txt"} {
		if got := d.Ext(); got != want {
			t.Errorf("Debug(%d).Ext() = %q, want %q", d, got, want)
		}
	}
}
