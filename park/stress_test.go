package park

import (
	"context"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"sync"
	"testing"

	"gsysint-demo/dump"
)

// TestStress parks and releases 10k goroutines five times with GOGC=1,
// while other goroutines take goroutine profiles in every format, the
// goroutineleak profile (where the runtime has it) keeps marking the
// "chan receive" ones leaked, and an execution trace runs throughout.
// GSYSINT_STRESS=N multiplies the goroutines.
func TestStress(t *testing.T) {
	scale := 1
	if s := os.Getenv("GSYSINT_STRESS"); s != "" {
		var err error
		if scale, err = strconv.Atoi(s); err != nil || scale < 1 {
			t.Fatalf("GSYSINT_STRESS=%q: want a whole number ≥ 1", s)
		}
	}
	n := 10000 * scale
	if testing.Short() {
		n /= 10
	}
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	if err := trace.Start(io.Discard); err != nil {
		t.Fatal(err)
	}
	defer trace.Stop()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	profile := func(name dump.Profile, debug dump.Debug) {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			// As the tool takes them: dump.Write takes the goroutineleak
			// profile under the lock Release wakes leaked goroutines under.
			if _, err := dump.Write(io.Discard, name, debug); err != nil {
				t.Error(err)
				return
			}
		}
	}
	for debug := range dump.DebugStacks + 1 {
		wg.Add(1)
		go profile("goroutine", debug)
	}
	leak := pprof.Lookup("goroutineleak") != nil
	if leak {
		wg.Add(1)
		go profile("goroutineleak", 0)
	}
	base := runtime.NumGoroutine() // with the profilers

	p := newParker(t)
	for round := range 5 {
		pks, err := p.Park(context.Background(),
			Group{Reason: "chan receive", Count: n / 2},
			Group{Reason: "waiting for godot", TraceReason: "waiting for godot (trace)", Count: n / 2})
		if err != nil {
			t.Fatal(err)
		}
		parked := pks[0].Count + pks[1].Count
		r := p.Release()
		if r.Released != parked || r.NotWaiting != 0 {
			t.Fatalf("round %d: parked %d, Release = %+v", round, parked, r)
		}
		t.Logf("round %d: released %d, %d of them recovered from leaked", round, r.Released, r.LeakedRecovered)
	}
	close(stop)
	wg.Wait()
	settle(t, base)
}
