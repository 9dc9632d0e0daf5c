package series

import (
	"bytes"
	"cmp"
	"errors"
	"slices"
	"testing"

	"github.com/google/pprof/profile"

	"gsysint-demo/dump"
)

func TestMergeAndProfile(t *testing.T) {
	m := NewMerger([]Source{{Name: "api"}, {Name: "db"}, {Name: "down"}})
	m.Add(1, summary(dump.FormatDebug2, map[string]int{"chan receive": 2, "running": 1}), 1)
	m.Add(0, summary(dump.FormatDebug2, map[string]int{"chan receive": 3}), 2)
	m.Fail(2, errors.New("report: dial tcp: connection refused"))
	v := m.Merged(0)
	if v.Total != 6 || v.Failed != 1 || v.Sources[2].Error != "dial tcp: connection refused" || v.Sources[0].Dumps != 2 {
		t.Fatalf("total %d, failed %d, sources %+v: want 6, 1, the error without report's prefix", v.Total, v.Failed, v.Sources)
	}
	if len(v.Groups) != 2 || !slices.Equal(v.Groups[0].Counts, []int{3, 2, 0}) || v.Groups[0].Total != 5 {
		t.Fatalf("groups %+v: want [chan receive] 3, 2, 0 first", v.Groups)
	}

	var buf bytes.Buffer
	if err := v.WriteProfile(&buf); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ source, state, reason string }
	got := map[key]int64{}
	for _, s := range p.Sample {
		k := key{s.Label[LabelSource][0], s.Label[LabelState][0], ""}
		if r := s.Label[LabelWaitReason]; r != nil {
			k.reason = r[0]
		}
		got[k] += s.Value[0]
		if fn := s.Location[0].Line[0].Function.Name; fn != "main."+cmp.Or(k.reason, k.state) {
			t.Errorf("sample %v: leaf %s", k, fn)
		}
	}
	want := map[key]int64{{"api", "waiting", "chan receive"}: 3, {"db", "waiting", "chan receive"}: 2, {"db", "running", ""}: 1}
	if len(got) != len(want) {
		t.Errorf("samples %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("samples %v: %v has %d, want %d", got, k, got[k], n)
		}
	}
}
