package census

import (
	"time"

	"gsysint-demo/linked"
)

// Find reads the record of goroutine id, as Take would have read it, and
// the header of the walk that found it; nil if no goroutine has that id
// (it ended, or it started while Find read). It walks every goroutine's
// record, without stopping the world, but keeps only the one asked for:
// its memory does not grow with the goroutines. A system goroutine is
// found whatever the options.
func Find(id uint64, opts ...Option) (*Goroutine, Header, error) {
	cfg, err := configure(opts)
	if err != nil {
		return nil, Header{}, err
	}
	r := newResolver()
	var g *Goroutine
	var now int64
	var total, system, changing int
	h := walk(func(rec *linked.GRecord, start int64) {
		total++
		if rec.Changing {
			changing++
		}
		if rec.ID == id && g == nil {
			g, now = &Goroutine{}, start
			r.fill(g, rec, start)
		}
		if !rec.Changing && r.system(r.start(rec.StartPC), rec.RunningCleanups) {
			system++
		}
	})
	h.Total, h.System, h.Changing = total, system, changing
	h.SystemListed = cfg.system
	if g != nil && cfg.park != nil && !g.Changing {
		// By goroutine id: the g that ran goroutine id may run another
		// by now, one that p parked.
		cfg.park.ParkTimes(func(pid uint64, at int64) {
			if pid == id {
				g.Parked, g.ParkedKnown = time.Duration(now-at), true
			}
		})
	}
	return g, h, nil
}
