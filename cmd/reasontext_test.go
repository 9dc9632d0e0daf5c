package cmd

import (
	"strings"
	"testing"

	"gsysint-demo/park"
)

func TestWaitReasonText(t *testing.T) {
	cat, err := park.Reasons()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		arg, want, refusal string // refusal: a part of the error, "" for none
	}{
		{arg: "chan receive", want: "chan receive"},
		{arg: "19", want: "chan receive"},
		{arg: "waiting for godot", want: "waiting for godot"},
		{arg: "parked by gsysint-demo", want: "parked by gsysint-demo"},
		{arg: "waiting, forever", want: "waiting, forever"},
		{arg: "GC worker (idle) of mine", want: "GC worker (idle) of mine"},
		{arg: "custom reason 10", want: "custom reason 10"},
		{arg: "selected", want: "selected"},
		{arg: "chan recieve", refusal: `did you mean "chan receive" (19)?`},
		{arg: "CHAN RECEIVE", refusal: `did you mean "chan receive" (19)?`},
		{arg: "selects", refusal: `did you mean "select" (18)?`},
		{arg: "47", refusal: "out of range"},
		{arg: "99999999999999999999", refusal: "want 0 to 46"},
		{arg: "running", refusal: "state"},
		{arg: "x (scan)", refusal: `"(scan)"`},
		{arg: "x, 1 minute", refusal: "minutes"},
		{arg: "x, locked to thread", refusal: "locked to thread"},
		{arg: "x\u00a0y", refusal: "U+00A0"},
	} {
		got, err := waitReasonText(cat, tc.arg)
		switch {
		case tc.refusal == "" && err != nil:
			t.Errorf("waitReasonText(%q): %v, want %q", tc.arg, err, tc.want)
		case tc.refusal == "" && got != tc.want:
			t.Errorf("waitReasonText(%q) = %q, want %q", tc.arg, got, tc.want)
		case tc.refusal != "" && (err == nil || !strings.Contains(err.Error(), tc.refusal)):
			t.Errorf("waitReasonText(%q) = %q, %v; want an error with %q", tc.arg, got, err, tc.refusal)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"chan recieve", "chan receive", 2}, {"select", "selects", 1}, {"kitten", "sitting", 3}} {
		if d := editDistance(tc.a, tc.b); d != tc.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, d, tc.d)
		}
	}
}
