package dump

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// A value longer than maxCensusElement is refused when the limit is
// reached, naming the group, goroutine or key it is in, the limit and the
// key of the string that runs past it; one just under is read, and one
// where a census has no long string is refused in a short line.
func TestCensusJSONElementLimit(t *testing.T) {
	long := strings.Repeat("a", maxCensusElement+1)
	fine := strings.Repeat("a", maxCensusElement-200)
	const head = `{"taken_at": "2026-01-01T00:00:00Z", `
	const before = head + `"groups": [{"count": 1, "state": "select"}]}` + "\n"
	for _, c := range []struct {
		in   string
		want []string
	}{
		{head + `"groups": [{"count": 1, "start": {"func": "main.f", "file": "` + long + `"}}]}`,
			[]string{"census group 0 ", `"file"`}},
		{before + head + `"goroutines": [{"id": 1}, {"id": 2, "labels": {"k": "` + long + `"}}]}`,
			[]string{"census goroutine 1 ", "(census 2 of the input)", `"k"`}},
		{head + `"note": "` + long + `", "groups": []}`, []string{`"note"`}},
		{head + `"groups": [], "` + long + `": 1}`, []string{"a key or value"}},
		{before + `"` + fine + `"`, []string{"census 2 of the input", `JSON that starts with "aaaa`}},
		{head + `"groups": "` + fine + `"}`, []string{`census "groups" is "aaaa`}},
	} {
		_, err := ReadSummary(strings.NewReader(c.in), Options{})
		want := c.want
		if strings.Contains(c.in, long) {
			want = append(want, fmt.Sprintf("limit of %d bytes", maxCensusElement))
		}
		if err == nil {
			t.Errorf("%.80q...: read; want an error naming %q", c.in, want)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%.80q...: %v; want it to name %q", c.in, err, w)
			}
		}
		if len(err.Error()) > 400 {
			t.Errorf("%.80q...: an error of %d bytes", c.in, len(err.Error()))
		}
	}
	sum, err := ReadSummary(strings.NewReader(head+`"groups": [{"count": 3, "state": "`+fine+`"}]}`), Options{})
	if err != nil || sum.Total != 3 || len(sum.Groups) != 1 || len(sum.Groups[0].State) != len(fine) {
		t.Errorf("a state of %d bytes: %v; want it read", len(fine), err)
	}
}

// A census is read one goroutine at a time: one of 200k goroutines is
// summed up whole by ReadSummary, Parse and ReadDumps alike. Cut short at
// the end, a census no larger than censusHold is left out; a larger one
// keeps the goroutines read, and Reading.Cut says how many.
func TestCensusJSONStream(t *testing.T) {
	var small, large bytes.Buffer
	craftedCensus(&small, 10)
	const n = 200_000
	craftedCensus(&large, n)
	if large.Len() <= censusHold/2 {
		t.Fatalf("a census of %d bytes is no larger than the hold", large.Len())
	}
	in := append(small.Bytes(), large.Bytes()...)
	sum, err := ReadSummary(bytes.NewReader(in), Options{})
	if err != nil || sum.Total != 10+n || sum.Reading.Dumps != 2 || len(sum.Groups) != 1 || sum.Reading.Cut != "" {
		t.Fatalf("ReadSummary: %v, %+v; want %d goroutines of one group in 2 dumps", err, sum, 10+n)
	}

	cut := in[:len(in)-100]
	sum, err = ReadSummary(bytes.NewReader(cut), Options{})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Parse(bytes.NewReader(cut))
	if err != nil {
		t.Fatal(err)
	}
	sums, err := ReadDumps(bytes.NewReader(cut), Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	read := sum.Total - 10
	if read < n-10 || read >= n || sum.Reading.Dumps != 2 || !strings.Contains(sum.Reading.Cut, fmt.Sprintf("census 2's JSON, after the first %d", read)) {
		t.Errorf("cut in a large census 2: %d goroutines of it read, %+v; want all but the last few, and the cut named", read, sum.Reading)
	}
	if snap.Total != sum.Total || len(snap.Goroutines) != sum.Total || snap.Reading != sum.Reading {
		t.Errorf("Parse: %d goroutines (%d kept), %+v; ReadSummary: %d, %+v", snap.Total, len(snap.Goroutines), snap.Reading, sum.Total, sum.Reading)
	}
	if len(sums) != 2 || sums[0].Total != 10 || sums[1].Total != read {
		t.Errorf("ReadDumps: %d dumps; want 10 goroutines, then %d", len(sums), read)
	}

	// The same cut in a small census leaves it out.
	cut = append(small.Bytes(), small.Bytes()[:small.Len()-10]...)
	sum, err = ReadSummary(bytes.NewReader(cut), Options{})
	if err != nil || sum.Total != 10 || sum.Reading.Dumps != 1 || !strings.Contains(sum.Reading.Cut, "census 2's JSON, which is left out") {
		t.Errorf("cut in a small census 2: %v, %+v; want census 1 alone", err, sum)
	}
}
