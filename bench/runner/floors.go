package main

import "fmt"

// measureFloors measures what the report rows are read against, with no
// pp: the peak RSS of gsysint-demo version, and the start-up of a program
// that only links the dependencies.
func measureFloors(c *config, t *table) error {
	idle := samples{}
	for range 3 {
		rss, err := peakRSS(c.gsd, "version")
		if err != nil {
			return err
		}
		idle = append(idle, rss)
	}
	t.extra = append(t.extra, rssMethod(),
		fmt.Sprintf("peak RSS of gsysint-demo version (the binary's floor): %s", format(idle.median(), "B")))
	if c.deps != "" {
		var wall, rss samples
		for range c.reportRepsSmall {
			w, err := timeCmd(c.deps)
			if err != nil {
				return err
			}
			r, err := peakRSS(c.deps)
			if err != nil {
				return err
			}
			wall, rss = append(wall, w), append(rss, r)
		}
		t.extra = append(t.extra, fmt.Sprintf("bench/deps, a program that only links net/http/pprof, urfave/cli, google/pprof/profile and x/exp/trace, built like gsysint-demo: start to exit %s, peak RSS %s",
			format(wall.median(), "s"), format(rss.median(), "B")))
	}
	return nil
}
